import Foundation

extension HTML {
    /// A number with `digits` decimals; nil or NaN becomes an em dash.
    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value, !value.isNaN else { return "—" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        return String(format: "%.\(digits)f", value)
    }

    /// A fraction as a percentage with one decimal; nil becomes an em dash.
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    /// Mean ± standard deviation of a set of values.
    static func meanStd(_ mean: Double?, _ std: Double?) -> String {
        guard mean != nil else { return "—" }
        guard let std else { return number(mean) }
        return "\(number(mean)) ± \(number(std))"
    }

    /// A Unix time as UTC ISO 8601 (seconds).
    static func time(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// Yes / no / em dash.
    static func flag(_ value: Bool?) -> String {
        switch value {
        case true?: "yes"
        case false?: "no"
        case nil: "—"
        }
    }
}
