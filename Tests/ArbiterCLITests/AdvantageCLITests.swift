import ArbiterTesting
import Foundation
import Testing

/// Runs the built `arbiter` binary on the golden cases (`arbiter advantage`, `arbiter diversity`).
///
/// The golden file is read from ArbiterNumericsTests' fixture copy, so these tests run where
/// `../shared` is absent. Inputs are re-encoded with `JSONEncoder`, which writes doubles in
/// shortest round-trip form on Linux and macOS.
@Suite("Numerics CLI")
struct AdvantageCLITests {
    /// A JSON value, for re-encoding estimator params as they are.
    enum JSONValue: Codable, Sendable {
        case bool(Bool), number(Double), string(String), list([JSONValue]), object([String: JSONValue]), null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let l = try? c.decode([JSONValue].self) { self = .list(l) }
            else { self = .object(try c.decode([String: JSONValue].self)) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .bool(let b): try c.encode(b)
            case .number(let d): try c.encode(d)
            case .string(let s): try c.encode(s)
            case .list(let l): try c.encode(l)
            case .object(let o): try c.encode(o)
            case .null: try c.encodeNil()
            }
        }
    }

    struct Golden: Decodable {
        struct AdvantageCase: Decodable, Sendable {
            var name: String
            var estimator: String
            var params: JSONValue
            var groups: JSONValue
            var expected: [[Double]]
        }

        struct DiversityCase: Decodable {
            var name: String
            var embeddings: [[Double]]
            var expected: [String: Double]
        }

        var advantage_cases: [AdvantageCase]
        var diversity_cases: [DiversityCase]
    }

    struct Request: Encodable {
        var estimator: String
        var params: JSONValue
        var groups: JSONValue
    }

    struct Output: Decodable { var advantages: [[Double]] }
    struct DiversityOutput: Decodable { var groups: [[String: Double]] }

    struct Run: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func run(_ arguments: [String], stdin: Data? = nil) async throws -> Run {
        let r = try await CLIRunner.run(arguments, stdin: stdin)
        return Run(status: r.status, stdout: Data(r.stdout.utf8), stderr: r.stderr)
    }

    static func golden() throws -> Golden {
        let url = packageRoot.appendingPathComponent("Tests/ArbiterNumericsTests/Fixtures/advantages.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        let d = abs(a - b)
        return d <= 1e-12 || d <= 1e-9 * max(abs(a), abs(b))
    }

    final class Results: @unchecked Sendable {
        let lock = NSLock()
        var failures: [String] = []
        func add(_ s: String) {
            lock.lock()
            failures.append(s)
            lock.unlock()
        }
    }

    @Test("every golden advantage case through `arbiter advantage --input FILE`")
    func advantageGolden() async throws {
        let golden = try Self.golden()
        #expect(golden.advantage_cases.count == 108)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [URL] = []
        for c in golden.advantage_cases {
            let url = dir.appendingPathComponent("\(c.name).json")
            try JSONEncoder().encode(Request(estimator: c.estimator, params: c.params, groups: c.groups)).write(to: url)
            files.append(url)
        }
        let results = Results()
        let cases = golden.advantage_cases
        let inputs = files
        // Four children at a time, awaited without blocking a thread.
        await withTaskGroup(of: Void.self) { group in
            for i in cases.indices {
                if i >= 4 { await group.next() }
                group.addTask { await Self.check(cases[i], input: inputs[i], results) }
            }
        }
        #expect(results.failures.isEmpty, "\(results.failures.prefix(10))")
    }

    static func check(_ c: Golden.AdvantageCase, input: URL, _ results: Results) async {
            do {
                let r = try await Self.run(["advantage", "--input", input.path])
                guard r.status == 0 else { return results.add("\(c.name): exit \(r.status): \(r.stderr)") }
                let got = try JSONDecoder().decode(Output.self, from: r.stdout).advantages
                guard got.count == c.expected.count else { return results.add("\(c.name): \(got.count) groups") }
                for (g, (a, e)) in zip(got, c.expected).enumerated() {
                    guard a.count == e.count else { return results.add("\(c.name) group \(g): \(a.count) values") }
                    for (j, (x, y)) in zip(a, e).enumerated() where !Self.close(x, y) {
                        results.add("\(c.name) group \(g) sample \(j): got \(x), expected \(y)")
                    }
                }
            } catch {
                results.add("\(c.name): \(error)")
            }
    }

    @Test("`--input -` reads standard input; the output is exact")
    func stdinInput() async throws {
        let json = #"{"estimator": "dr_grpo", "groups": [{"rewards": [0.1, null, 0.7]}, {"rewards": [1]}]}"#
        let r = try await Self.run(["advantage", "--input", "-"], stdin: Data(json.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONDecoder().decode(Output.self, from: r.stdout)
        let mean = (0.1 + 0.7) / 2
        #expect(out.advantages == [[0.1 - mean, 0, 0.7 - mean], [0]])
    }

    @Test("unknown estimators and bad params fail with a message on stderr")
    func errors() async throws {
        let cases: [(String, String)] = [
            (#"{"estimator": "ppo", "groups": []}"#, "unknown estimator 'ppo'"),
            (#"{"estimator": "grpo", "params": {"epsilon": "tiny"}, "groups": []}"#, "advantage.params.epsilon"),
            (#"{"estimator": "grpo", "params": {"beta": 1}, "groups": []}"#, "advantage.params.beta"),
            (#"{"estimator": "gdpo", "groups": []}"#, "weights"),
            ("{", "malformed JSON"),
        ]
        for (json, message) in cases {
            let r = try await Self.run(["advantage", "--input", "-"], stdin: Data(json.utf8))
            #expect(r.status != 0, "\(json)")
            #expect(r.stdout.isEmpty, "\(json)")
            #expect(r.stderr.contains(message), "\(json): \(r.stderr)")
        }
        let missing = try await Self.run(["advantage", "--input", "/nonexistent/file.json"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/file.json"))
    }

    @Test("every golden diversity case through `arbiter diversity`")
    func diversityGolden() async throws {
        let golden = try Self.golden()
        struct Req: Encodable {
            struct G: Encodable { var embeddings: [[Double]] }
            var groups: [G]
        }
        let body = try JSONEncoder().encode(Req(groups: golden.diversity_cases.map { .init(embeddings: $0.embeddings) }))
        let r = try await Self.run(["diversity", "--input", "-"], stdin: body)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONDecoder().decode(DiversityOutput.self, from: r.stdout)
        #expect(out.groups.count == golden.diversity_cases.count)
        for (c, m) in zip(golden.diversity_cases, out.groups) {
            for key in ["mean_pairwise_cosine", "vendi"] {
                #expect(Self.close(m[key] ?? .nan, c.expected[key] ?? .infinity), "\(c.name) \(key): \(m[key] ?? .nan)")
            }
        }
    }

    @Test("`arbiter bench numerics` runs a tiny workload")
    func bench() async throws {
        let r = try await Self.run([
            "bench", "numerics", "--samples", "4096", "--repeat", "1", "--diversity-groups", "2", "--dimension", "8", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 7, "\(lines)")  // 3 estimators × 2 group sizes + diversity
    }
}
