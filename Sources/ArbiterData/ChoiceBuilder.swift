import ArbiterCore

/// Shared steps of the multiple-choice loaders: cleaning options, resolving the gold answer,
/// the notes every format reports, and the final item and prompt.
enum ChoiceBuilder {
    /// Cleaned options with, for each source column, the index of its option (nil for an empty cell).
    struct Options {
        var texts: [String]
        var columnToOption: [Int?]
    }

    /// Cleans raw option cells (nil: null or absent). Letter prefixes are stripped. Empty cells are
    /// dropped; with `allowGaps` false an empty cell followed by a filled one is a problem.
    static func options(_ cells: [String?], names: [String], allowGaps: Bool) -> Result<Options, RowProblem> {
        var texts: [String] = []
        var map: [Int?] = []
        var firstEmpty: Int?
        for (k, cell) in cells.enumerated() {
            let cleaned = cell.map { OptionLabel.stripPrefix($0) } ?? ""
            if cleaned.isEmpty {
                if firstEmpty == nil { firstEmpty = k }
                map.append(nil)
                continue
            }
            if let gap = firstEmpty, !allowGaps {
                return .failure(RowProblem("option \(OptionLabel.letter(gap)) (\(names[gap])) is empty but option \(OptionLabel.letter(k)) (\(names[k])) is not"))
            }
            map.append(texts.count)
            texts.append(cleaned)
        }
        if texts.count < 2 {
            return .failure(RowProblem("needs at least 2 options, found \(texts.count) (columns \(names.joined(separator: ", ")))"))
        }
        return .success(Options(texts: texts, columnToOption: map))
    }

    /// Notes on the options themselves: 2-option items and repeated option texts.
    static func optionNotes(_ options: [String], at location: SourceLocation) -> [DataNote] {
        var notes: [DataNote] = []
        if options.count == 2 {
            notes.append(DataNote(location: location, kind: "two_options", message: "2-option item (the remaining option cells are empty)"))
        }
        var firstSeen: [String: Int] = [:]
        var reported: Set<String> = []
        for (k, text) in options.enumerated() {
            if let prior = firstSeen[text] {
                if reported.insert(text).inserted {
                    let all = options.indices.filter { options[$0] == text }.map(OptionLabel.letter).joined(separator: ", ")
                    notes.append(DataNote(
                        location: location, kind: "duplicate_option",
                        message: "option text \"\(text)\" appears \(options.indices.filter { options[$0] == text }.count) times (options \(all)); first at \(OptionLabel.letter(prior))"))
                }
            } else {
                firstSeen[text] = k
            }
        }
        return notes
    }

    /// The finished prompt (id derived from the item's canonical content).
    static func prompt(
        dataset: String, story: String, question: String, options: [String], goldIndex: Int, language: String,
        rawAbility: String?, source: SourceLocation, evalOnly: Bool, id: PromptID? = nil
    ) -> Result<Prompt, RowProblem> {
        let abilities = rawAbility.map(AbilityLabel.normalize) ?? []
        let raw = rawAbility.flatMap { $0.isEmpty ? nil : $0 }
        do {
            let item = try MultipleChoiceItem(
                story: story, question: question, options: options, goldIndex: goldIndex, language: language,
                abilities: abilities, rawAbility: raw, source: source, evalOnly: evalOnly)
            let pid = id ?? PromptID(canonicalContent: item.canonicalContent)
            return .success(Prompt(id: pid, dataset: dataset, payload: .multipleChoice(item)))
        } catch let error as CoreError {
            return .failure(RowProblem(error.message))
        } catch {
            return .failure(RowProblem("\(error)"))
        }
    }
}
