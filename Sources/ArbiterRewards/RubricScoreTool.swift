import ArbiterCore
import Foundation

/// `arbiter rubric score`: re-scores recorded judge verdicts offline, JSON in, JSON out.
///
/// Input:
/// ```json
/// {"responses": [{"id": "r1",
///   "criteria": [{"id": "c1", "title": "...", "weight": 2, "dimension": "identifying"}],
///   "verdicts": [{"criterion_id": "c1", "judgement": "yes"}]}]}
/// ```
/// `dimension` may be absent or null; `judgement` null records a failed judge call. Every
/// criterion needs exactly one verdict.
///
/// Output, responses in input order:
/// ```json
/// {"responses": [{"id": "r1", "score": 100, "statuses": {"ok": 1, "non_binary": 0, "refusal": 0, "empty": 0, "failed": 0},
///   "criteria": [{"id": "c1", "status": "ok", "credited": true}]}]}
/// ```
/// `score` is the chosen aggregator (official 0…100, paper −1…1) at full precision, or null when
/// missing: every weighted criterion excluded (undecided verdicts, `exclude` policy), an undecided
/// verdict under the `missing` policy, a failed call, or no weighted criterion. `credited` is
/// false for excluded criteria. With `official` + `substring` this reproduces MoReBench's own scores.
public enum RubricScoreTool {
    struct Input: Decodable {
        var responses: [Response]
    }

    struct Response: Decodable {
        var id: String
        var criteria: [Criterion]
        var verdicts: [RecordedVerdict]
    }

    struct Criterion: Decodable {
        var id: String
        var title: String
        var weight: Int
        var dimension: String?
    }

    struct RecordedVerdict: Decodable {
        var criterionID: String
        var judgement: String?

        enum CodingKeys: String, CodingKey {
            case criterionID = "criterion_id"
            case judgement
        }
    }

    struct Output: Encodable {
        var responses: [ScoredResponse]
    }

    struct ScoredResponse: Encodable {
        var id: String
        var score: Double?
        var statuses: VerdictStatusCounts
        var criteria: [ScoredCriterion]

        enum CodingKeys: String, CodingKey { case id, score, statuses, criteria }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(score, forKey: .score)
            try c.encode(statuses, forKey: .statuses)
            try c.encode(criteria, forKey: .criteria)
        }
    }

    struct ScoredCriterion: Encodable {
        var id: String
        var status: VerdictStatus
        var credited: Bool
    }

    /// Scores every response of an input document.
    public static func score(
        input: Data, aggregator: RubricAggregator, parser: VerdictParser, failurePolicy: VerdictFailurePolicy = .exclude
    ) throws -> [(id: String, score: RubricScore)] {
        let doc: Input
        do {
            doc = try JSONDecoder().decode(Input.self, from: input)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw RewardsError(.invalidInput, "missing key `\(key.stringValue)`", context: path(ctx.codingPath))
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw RewardsError(.invalidInput, ctx.debugDescription, context: path(ctx.codingPath))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw RewardsError(.invalidInput, "not valid JSON: \(ctx.debugDescription)", context: path(ctx.codingPath))
        } catch {
            throw RewardsError(.invalidInput, "cannot decode the input: \(error)")
        }
        let refusals = RefusalDetector()
        return try doc.responses.enumerated().map { (ri, r) in
            let context = "responses[\(ri)] (id \(r.id))"
            var criteria: [RubricCriterion] = []
            for (ci, c) in r.criteria.enumerated() {
                var dimension: RubricDimension?
                if let label = c.dimension {
                    guard let d = RubricDimension(label: label) else {
                        throw RewardsError(
                            .invalidInput,
                            "unknown dimension `\(label)` (known: \(RubricDimension.allCases.map(\.rawValue).joined(separator: ", ")))",
                            context: "\(context).criteria[\(ci)]")
                    }
                    dimension = d
                }
                criteria.append(RubricCriterion(id: c.id, title: c.title, weight: c.weight, dimension: dimension))
            }
            var verdicts: [String: Verdict] = [:]
            for (vi, v) in r.verdicts.enumerated() {
                guard let criterion = criteria.first(where: { $0.id == v.criterionID }) else {
                    throw RewardsError(
                        .invalidInput, "verdict for unknown criterion `\(v.criterionID)`", context: "\(context).verdicts[\(vi)]")
                }
                guard verdicts[v.criterionID] == nil else {
                    throw RewardsError(
                        .invalidInput, "second verdict for criterion `\(v.criterionID)`", context: "\(context).verdicts[\(vi)]")
                }
                verdicts[v.criterionID] =
                    v.judgement.map { parser.verdict(for: criterion, rawText: $0, refusals: refusals) }
                    ?? .failed(criterionID: v.criterionID)
            }
            do {
                return (r.id, try RubricScore.aggregate(criteria: criteria, verdicts: Array(verdicts.values), failurePolicy: failurePolicy))
            } catch var e as RewardsError {
                e.context = context
                throw e
            }
        }
    }

    /// Scores an input document and returns the output document (pretty-printed, keys sorted).
    public static func run(
        input: Data, aggregator: RubricAggregator, parser: VerdictParser, failurePolicy: VerdictFailurePolicy = .exclude
    ) throws -> Data {
        let scored = try score(input: input, aggregator: aggregator, parser: parser, failurePolicy: failurePolicy)
        let out = Output(
            responses: scored.map { id, s in
                ScoredResponse(
                    id: id, score: s.value(aggregator), statuses: s.statuses,
                    criteria: s.criteria.map { ScoredCriterion(id: $0.criterionID, status: $0.status, credited: $0.credited) }
                )
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(out)
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop(while: { $0 == "." }).description
    }
}
