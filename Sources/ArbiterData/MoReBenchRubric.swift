import ArbiterCore

/// Turns a MoReBench `RUBRIC` cell (a Python-literal list of criterion dicts) into criteria.
enum MoReBenchRubric {
    /// Allowed weights: signed, non-zero, at most 3 in magnitude.
    static let weightRange = -3...3

    /// The criteria of `cell`, with warnings (unknown or missing dimensions) as (kind, message) pairs.
    static func criteria(_ cell: String) -> Result<(criteria: [RubricCriterion], warnings: [(String, String)]), RowProblem> {
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(cell)
        } catch {
            return .failure(RowProblem("RUBRIC is not a valid Python literal: \(error)"))
        }
        guard let items = literal.elements else {
            return .failure(RowProblem("RUBRIC must be a list of criteria, found a \(literal.typeName)"))
        }
        guard !items.isEmpty else { return .failure(RowProblem("RUBRIC has no criteria")) }
        var criteria: [RubricCriterion] = []
        var warnings: [(String, String)] = []
        var seen: Set<String> = []
        for (k, item) in items.enumerated() {
            let n = k + 1
            guard case .dict = item else {
                return .failure(RowProblem("RUBRIC criterion #\(n) is a \(item.typeName), not a dict"))
            }
            let id: String
            switch item["id"] {
            case .string(let s)? where !OptionLabel.trimmed(s).isEmpty: id = OptionLabel.trimmed(s)
            case .int(let i)?: id = String(i)
            case nil: return .failure(RowProblem("RUBRIC criterion #\(n) has no 'id'"))
            case let other?: return .failure(RowProblem("RUBRIC criterion #\(n): 'id' must be a non-empty string, found \(other.pythonDescription)"))
            }
            guard seen.insert(id).inserted else {
                return .failure(RowProblem("RUBRIC criterion #\(n): duplicate id '\(id)'"))
            }
            guard let titleValue = item["title"] else {
                return .failure(RowProblem("RUBRIC criterion '\(id)' has no 'title'"))
            }
            guard let title = titleValue.stringValue.map(OptionLabel.trimmed), !title.isEmpty else {
                return .failure(RowProblem("RUBRIC criterion '\(id)': 'title' must be a non-empty string, found \(titleValue.pythonDescription)"))
            }
            guard let weightValue = item["weight"] else {
                return .failure(RowProblem("RUBRIC criterion '\(id)' has no 'weight'"))
            }
            guard let weight = weightValue.intValue else {
                return .failure(RowProblem("RUBRIC criterion '\(id)': weight \(weightValue.pythonDescription) is not an integer"))
            }
            guard weightRange.contains(weight), weight != 0 else {
                return .failure(RowProblem("RUBRIC criterion '\(id)': weight \(weight) is outside ±1…±3"))
            }
            var dimension: RubricDimension?
            switch item["annotations"]?["rubric_dimension"] {
            case .string(let label)?:
                dimension = RubricDimension(label: label)
                if dimension == nil {
                    warnings.append(("unknown_dimension", "criterion '\(id)': unknown rubric dimension '\(label)' (kept without a dimension)"))
                }
            case nil, .some(PythonLiteral.none):
                warnings.append(("missing_dimension", "criterion '\(id)' has no annotations.rubric_dimension"))
            case let other?:
                warnings.append(("unknown_dimension", "criterion '\(id)': rubric_dimension \(other.pythonDescription) is not a string (kept without a dimension)"))
            }
            criteria.append(RubricCriterion(id: id, title: title, weight: weight, dimension: dimension))
        }
        return .success((criteria, warnings))
    }
}
