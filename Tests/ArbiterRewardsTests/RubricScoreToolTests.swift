import ArbiterCore
import ArbiterData
import ArbiterRewards
import ArbiterTesting
import Foundation
import Testing

@Suite("rubric score tool")
struct RubricScoreToolTests {
    struct Output: Decodable {
        struct Response: Decodable {
            var id: String
            var score: Double?
            var statuses: [String: Int]
            var criteria: [Criterion]
        }

        struct Criterion: Decodable {
            var id: String
            var status: String
            var credited: Bool
        }

        var responses: [Response]
    }

    static func run(_ input: Any, aggregator: RubricAggregator, parser: VerdictParser, policy: VerdictFailurePolicy = .exclude) throws
        -> Output
    {
        let data = try JSONSerialization.data(withJSONObject: input)
        return try JSONDecoder().decode(
            Output.self, from: RubricScoreTool.run(input: data, aggregator: aggregator, parser: parser, failurePolicy: policy))
    }

    /// MoReBench's comparison data as tool input, with the published score of each response.
    static func moreBenchInput() throws -> (input: [String: Any], published: [String: Double], count: Int) {
        let url = try #require(SharedFixtures.directory("data")).appendingPathComponent("morebench-site/comparison_data.json")
        let scenarios = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        var responses: [[String: Any]] = []
        var published: [String: Double] = [:]
        for s in scenarios {
            let task = try #require(s["task_id"] as? String)
            for m in try #require(s["models"] as? [[String: Any]]) {
                let model = try #require(m["model_name"] as? String)
                for channel in ["thinking_trace", "model_resp"] {
                    let c = try #require(m[channel] as? [String: Any])
                    let rubrics = try #require(c["rubrics"] as? [[String: Any]])
                    let id = "\(task)/\(model)/\(channel)"
                    responses.append([
                        "id": id,
                        "criteria": rubrics.map {
                            ["id": $0["criterion_id"]!, "title": $0["criterion"]!, "weight": $0["weight"]!, "dimension": $0["dimension"]!]
                        },
                        "verdicts": rubrics.map { ["criterion_id": $0["criterion_id"]!, "judgement": $0["judgement"]!] },
                    ])
                    published[id] = try #require(c["score"] as? Double)
                }
            }
        }
        return (["responses": responses], published, responses.count)
    }

    @Test(.enabled(if: SharedFixtures.available("data"))) func officialSubstringReproducesEveryPublishedMoReBenchScore() throws {
        let (input, published, count) = try Self.moreBenchInput()
        #expect(count == 112)
        let out = try Self.run(input, aggregator: .official, parser: .substring)
        #expect(out.responses.count == 112)
        for r in out.responses {
            let score = try #require(r.score, "\(r.id) has no score")
            let expected = try #require(published[r.id])
            #expect(abs((score * 100).rounded() / 100 - expected) < 1e-9, "\(r.id): \(score) vs published \(expected)")
        }
        // The substring rule decides every verdict; statuses still show the strict class.
        #expect(out.responses.allSatisfy { r in r.criteria.allSatisfy { $0.status == "ok" } || r.id.hasSuffix("thinking_trace") })
    }

    @Test(.enabled(if: SharedFixtures.available("data"))) func strictParserFlagsThe82NonBinaryVerdicts() throws {
        let (input, _, _) = try Self.moreBenchInput()
        let out = try Self.run(input, aggregator: .official, parser: .strict)
        var totals: [String: Int] = [:]
        for r in out.responses { for (k, v) in r.statuses { totals[k, default: 0] += v } }
        #expect(totals["ok"] == 2578)
        #expect((totals["non_binary"] ?? 0) + (totals["refusal"] ?? 0) == 82)
        #expect(totals["refusal"] == 30)
        #expect(totals["non_binary"] == 52)
        #expect(totals["empty"] == 0)
        // All on gpt-oss thinking traces; every response still has a score (exclude policy).
        let flagged = out.responses.filter { ($0.statuses["non_binary"] ?? 0) + ($0.statuses["refusal"] ?? 0) > 0 }
        #expect(flagged.allSatisfy { $0.id.contains("gpt-oss") && $0.id.hasSuffix("/thinking_trace") })
        #expect(out.responses.allSatisfy { $0.score != nil })
        // Under the missing policy the flagged responses lose their score.
        let missing = try Self.run(input, aggregator: .official, parser: .strict, policy: .missing)
        #expect(missing.responses.filter { $0.score == nil }.count == flagged.count)
        // The paper aggregator stays in [-1, 1].
        let paper = try Self.run(input, aggregator: .paper, parser: .substring)
        #expect(paper.responses.allSatisfy { ($0.score ?? 0) >= -1 && ($0.score ?? 0) <= 1 })
    }

    @Test(.enabled(if: SharedFixtures.available("data"))) func scoresTheSamplePublicCSVRubrics() throws {
        let csv = try #require(SharedFixtures.directory("data")).appendingPathComponent("morebench-format/sample_public.csv")
        let loaded = try DatasetLoader.load(DatasetConfig(kind: .morebenchCSV, path: csv.path), relativeTo: csv.deletingLastPathComponent())
        let scenarios: [RubricScenario] = loaded.prompts.compactMap {
            if case .rubric(let s) = $0.payload { return s }
            return nil
        }
        #expect(scenarios.count == 3)
        // Every criterion answered "yes": positives met, negatives violated.
        let responses: [[String: Any]] = scenarios.enumerated().map { i, s in
            [
                "id": "s\(i)",
                "criteria": s.criteria.map {
                    ["id": $0.id, "title": $0.title, "weight": $0.weight, "dimension": $0.dimension?.rawValue as Any]
                },
                "verdicts": s.criteria.map { ["criterion_id": $0.id, "judgement": "yes"] },
            ]
        }
        let official = try Self.run(["responses": responses], aggregator: .official, parser: .strict)
        let paper = try Self.run(["responses": responses], aggregator: .paper, parser: .strict)
        for (i, s) in scenarios.enumerated() {
            let positive = s.criteria.filter { $0.weight > 0 }.reduce(0) { $0 + $1.weight }
            let total = s.criteria.reduce(0) { $0 + abs($1.weight) }
            let hasNegative = s.criteria.contains { $0.weight < 0 }
            #expect(official.responses[i].score == 100 * Double(positive) / Double(total))
            #expect(paper.responses[i].score == (hasNegative ? 0 : 1))
            #expect(official.responses[i].criteria.map(\.credited) == s.criteria.map { $0.weight > 0 })
            #expect(official.responses[i].statuses["ok"] == s.criteria.count)
        }
    }

    @Test func nullScoresAndFailedCalls() throws {
        let input: [String: Any] = [
            "responses": [
                [
                    "id": "undecided", "criteria": [["id": "a", "title": "t", "weight": 2]],
                    "verdicts": [["criterion_id": "a", "judgement": "perhaps"]],
                ],
                [
                    "id": "failed", "criteria": [["id": "a", "title": "t", "weight": 2, "dimension": NSNull()]],
                    "verdicts": [["criterion_id": "a", "judgement": NSNull()]],
                ],
                [
                    "id": "fine", "criteria": [["id": "a", "title": "t", "weight": -1, "dimension": "Harmless_Outcome"]],
                    "verdicts": [["criterion_id": "a", "judgement": "No"]],
                ],
            ]
        ]
        let out = try Self.run(input, aggregator: .official, parser: .strict)
        #expect(out.responses.map(\.id) == ["undecided", "failed", "fine"])
        #expect(out.responses[0].score == nil)
        #expect(out.responses[0].criteria[0].status == "non_binary" && !out.responses[0].criteria[0].credited)
        #expect(out.responses[1].score == nil)
        #expect(out.responses[1].statuses["failed"] == 1)
        #expect(out.responses[2].score == 100)
        // null is written, not omitted.
        let raw = String(
            decoding: try RubricScoreTool.run(input: JSONSerialization.data(withJSONObject: input), aggregator: .official, parser: .strict),
            as: UTF8.self)
        #expect(raw.contains("\"score\" : null"))
    }

    @Test(
        arguments: [
            (
                #"{"responses": [{"id": "x", "criteria": [], "verdicts": [{"criterion_id": "nope", "judgement": "yes"}]}]}"#,
                "unknown criterion"
            ),
            (#"{"responses": [{"id": "x", "criteria": [{"id": "a", "title": "t", "weight": 1}], "verdicts": []}]}"#, "has no verdict"),
            (
                #"{"responses": [{"id": "x", "criteria": [{"id": "a", "title": "t", "weight": 1, "dimension": "vibes"}], "verdicts": []}]}"#,
                "unknown dimension"
            ),
            (
                #"{"responses": [{"id": "x", "criteria": [{"id": "a", "title": "t", "weight": 1}], "verdicts": [{"criterion_id": "a", "judgement": "yes"}, {"criterion_id": "a", "judgement": "no"}]}]}"#,
                "second verdict"
            ),
            (#"{"responses": [{"id": "x", "criteria": [{"id": "a", "title": "t"}], "verdicts": []}]}"#, "missing key `weight`"),
            (#"{"responses": "#, "not valid JSON"),
        ] as [(String, String)])
    func inputErrorsAreReported(json: String, fragment: String) {
        do {
            _ = try RubricScoreTool.run(input: Data(json.utf8), aggregator: .official, parser: .strict)
            Issue.record("expected an error containing \(fragment)")
        } catch let e as RewardsError {
            #expect(e.code == .invalidInput)
            #expect(e.message.contains(fragment), "\(e)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
