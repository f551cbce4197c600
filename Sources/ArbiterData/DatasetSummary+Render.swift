import Foundation

extension DatasetSummary {
    /// A plain-text report for the terminal: totals, counts, then every rejected row and every note.
    public func render() -> String {
        var out: [String] = []
        out.append("dataset   \(name) (\(kind.rawValue))")
        out.append("rows      \(totalRows) read, \(loaded) loaded, \(rejectedCount) rejected")
        out.append("eval-only \(evalOnly) of \(loaded) loaded")
        if !optionCounts.isEmpty {
            section(&out, "options per item", optionCounts.map { Count(label: "\($0.label) options", count: $0.count) })
        }
        for group in groups {
            section(&out, "\(group.title) (\(group.counts.count) distinct)", group.counts)
        }
        if let c = criteria {
            out.append("")
            out.append(String(
                format: "criteria  %d total, %d–%d per scenario (mean %.1f)", c.total, c.minPerScenario,
                c.maxPerScenario, c.meanPerScenario))
            section(&out, "criteria by dimension", c.byDimension)
            section(&out, "criteria by sign", c.bySign)
            section(&out, "criteria by weight", c.byWeight)
            section(&out, "criteria by dimension and sign", c.byDimensionAndSign)
        }
        out.append("")
        if rejected.isEmpty {
            out.append("rejected rows: none")
        } else {
            out.append("rejected rows: \(rejected.count)")
            for row in rejected { out.append("  \(row.location)  \(row.reason)") }
        }
        out.append("")
        if notes.isEmpty {
            out.append("notes: none")
        } else {
            let kinds = noteCounts.map { "\($0.label) \($0.count)" }.joined(separator: ", ")
            out.append("notes: \(notes.count) (\(kinds))")
            for note in notes { out.append("  \(note.location)  [\(note.kind)] \(note.message)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func section(_ out: inout [String], _ title: String, _ counts: [Count]) {
        out.append("")
        out.append("\(title):")
        let width = max(counts.map { String($0.count).count }.max() ?? 1, 5)
        for c in counts {
            let n = String(c.count)
            out.append("  " + String(repeating: " ", count: width - n.count) + n + "  " + c.label)
        }
    }
}
