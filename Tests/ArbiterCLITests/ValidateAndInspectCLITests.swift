import ArbiterTesting
import Foundation
import Testing

@Suite("validate and data inspect through the binary")
struct ValidateAndInspectCLITests {
    static let root = SharedFixtures.packageRoot

    @Test func shippedConfigsValidate() async throws {
        let configs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("configs").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "configs/\($0)" }
        #expect(configs.count >= 4)
        let r = try await CLIRunner.run(["validate"] + configs)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for c in configs { #expect(r.stdout.contains("\(c): ok")) }
    }

    @Test func badConfigsExitNonZeroNamingFileLineAndField() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let base = try String(contentsOf: Self.root.appendingPathComponent("configs/tombench-hard-grpo-outcome.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../data/", with: Self.root.appendingPathComponent("data").path + "/")
        let cases: [(String, String, String)] = [
            ("typo.yaml", base.replacingOccurrences(of: "  group_size: 8", with: "  group_sise: 8"), "policy.group_sise"),
            ("type.yaml", base.replacingOccurrences(of: "  steps: 100", with: "  steps: lots"), "run.steps"),
            ("evalonly.yaml", base.replacingOccurrences(of: "  format: jsonl", with: "  format: jsonl\n  eval_only: true"), "dataset.eval_only"),
        ]
        for (name, text, field) in cases {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            let r = try await CLIRunner.run(["validate", url.path])
            #expect(r.status != 0, "\(name)")
            let line = r.stdout.split(separator: "\n").first { $0.contains(field) }
            #expect(line != nil, "\(name): \(r.stdout)")
            // FILE:LINE:COLUMN: error: FIELD: message
            #expect(line?.hasPrefix("\(url.path):") == true)
            #expect(line.map { $0.split(separator: ":").count >= 4 } == true)
        }
        let missingRubric = try String(contentsOf: Self.root.appendingPathComponent("configs/morebench-grpo.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../rubrics/morebench/official.yaml", with: "nowhere/official.yaml")
            .replacingOccurrences(of: "../data/", with: Self.root.appendingPathComponent("data").path + "/")
        let url = dir.appendingPathComponent("rubric.yaml")
        try Data(missingRubric.utf8).write(to: url)
        let r = try await CLIRunner.run(["validate", url.path])
        #expect(r.status != 0)
        #expect(r.stdout.contains("judge.rubric: rubric template not found"))
    }

    @Test func inspectsAConfigsDatasets() async throws {
        let r = try await CLIRunner.run(["data", "inspect", "configs/morebench-grpo.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("4 loaded"))
    }

    @Test(.enabled(if: SharedFixtures.available("data")))
    func inspectAccountsForEveryToMBenchRow() async throws {
        let folder = try #require(SharedFixtures.directory("data")).appendingPathComponent("tombench/data")
        let r = try await CLIRunner.run(["data", "inspect", folder.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2860 read, 2860 loaded, 0 rejected"))
        #expect(r.stdout.contains("Strange Story Task.jsonl:293"))
        #expect(r.stdout.contains("language_mismatch"))
        #expect(r.stdout.contains("2 options"))
    }

    @Test(.enabled(if: SharedFixtures.available("data")))
    func inspectsTheMoReBenchSample() async throws {
        let file = try #require(SharedFixtures.directory("data")).appendingPathComponent("morebench-format/sample_public.csv")
        let r = try await CLIRunner.run(["data", "inspect", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("3 read, 3 loaded, 0 rejected"))
        #expect(r.stdout.contains("15 total"))
    }


    @Test func serveNeedsAnExistingStore() async throws {
        let r = try await CLIRunner.run(["serve", "--store", "/nonexistent/arbiter.sqlite"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no store at /nonexistent/arbiter.sqlite"))
    }

    @Test func runNamesAMissingSecretBeforeStarting() async throws {
        // The shipped config names ARBITER_TRAINER_TOKEN; unset, the run stops before any request.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-secret-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try await CLIRunner.run(["run", "configs/morebench-grpo.yaml", "--store", dir.appendingPathComponent("log.sqlite").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("ARBITER_TRAINER_TOKEN"))
        #expect(r.stderr.contains("trainer.token_env"))
    }

    @Test func runRefusesAnInvalidConfig() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: SharedFixtures.packageRoot.appendingPathComponent("configs/tombench-hard-grpo-outcome.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "group_size: 8", with: "group_szie: 8")
            .replacingOccurrences(of: "../data/", with: SharedFixtures.packageRoot.path + "/data/")
        let config = dir.appendingPathComponent("bad.yaml")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let r = try await CLIRunner.run(["run", config.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("group_szie"))
        #expect(r.stderr.contains("nothing was run"))
    }
}
