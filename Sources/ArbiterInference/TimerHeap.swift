/// A binary min-heap of timed events for the scheduler state machine.
///
/// Events are never removed early: a popped event whose subject moved on is ignored by the
/// machine (lazy invalidation). Ties pop in insertion order.
struct TimerHeap<Event: Sendable & Hashable>: Sendable {
    private struct Entry: Sendable {
        var time: Double
        var sequence: UInt64
        var event: Event

        func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && sequence < other.sequence)
        }
    }

    private var entries: [Entry] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The earliest time, if any.
    var nextTime: Double? { entries.first?.time }

    mutating func push(_ event: Event, at time: Double) {
        sequence &+= 1
        entries.append(Entry(time: time, sequence: sequence, event: event))
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard entries[i].precedes(entries[parent]) else { break }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest event due at or before `now`.
    mutating func popDue(_ now: Double) -> (time: Double, event: Event)? {
        guard let first = entries.first, first.time <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < entries.count, entries[l].precedes(entries[m]) { m = l }
                if r < entries.count, entries[r].precedes(entries[m]) { m = r }
                if m == i { break }
                entries.swapAt(i, m)
                i = m
            }
        }
        return (first.time, first.event)
    }
}
