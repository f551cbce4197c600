/// A reason a row cannot be loaded (internal; becomes a ``RejectedRow``).
struct RowProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
