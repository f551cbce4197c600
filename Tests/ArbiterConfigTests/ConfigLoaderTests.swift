import ArbiterConfig
import ArbiterCore
import Foundation
import Testing

/// A scratch folder with a data file, so configs can point at real files.
struct Scratch {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("{}\n".utf8).write(to: dir.appendingPathComponent("items.jsonl"))
        try Data("version: 1\n".utf8).write(to: dir.appendingPathComponent("rubric.yaml"))
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}

let minimalConfig = """
    run:
      name: minimal
    dataset:
      kind: tom_table
      path: items.jsonl
    policy:
      model: m
      endpoints:
        - url: http://127.0.0.1:8000
    rewards:
      preset: outcome_only
    trainer:
      url: http://127.0.0.1:9000
    """

@Suite("Config loading")
struct ConfigLoaderTests {
    @Test func minimalConfigGetsDefaults() throws {
        let s = try Scratch()
        let loaded = try ConfigLoader.load(try s.write("c.yaml", minimalConfig))
        let c = loaded.config
        #expect(c.run.steps == 10)
        #expect(c.policy.groupSize == 8)
        #expect(c.policy.api == .chat)
        #expect(c.advantage.estimator == "grpo")
        #expect(c.staleness.mode == .sync)
        #expect(c.policy.unavailableTimeoutSeconds == 600)
        #expect(c.rewards.effectiveComponents.map(\.name) == ["outcome"])
        #expect(loaded.hash.count == 64)
        #expect(loaded.resolve("items.jsonl").path == s.dir.appendingPathComponent("items.jsonl").standardizedFileURL.path)
    }

    @Test func fixtureFromBundleLoads() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/minimal", withExtension: "yaml"))
        let (loaded, issues) = ConfigLoader.check(url)
        #expect(loaded != nil)
        // items.jsonl does not sit beside the bundled fixture: exactly that is reported.
        #expect(issues.contains { $0.field == "dataset.path" && $0.line == 5 })
    }

    @Test func typoedKeyNamesFileLineAndField() throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "  model: m", with: "  model: m\n  group_szie: 4")
        let url = try s.write("typo.yaml", text)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(url) }
        let (_, issues) = ConfigLoader.check(url)
        let issue = try #require(issues.first { $0.field == "policy.group_szie" })
        #expect(issue.line == 8)
        #expect(issue.severity == .error)
        #expect(issue.message.contains("did you mean `group_size`"))
        #expect(issue.description.hasPrefix(url.relativePath + ":8:"))
    }

    @Test(arguments: ["0", "-5", ".nan"])
    func unavailableTimeoutMustBePositive(_ value: String) throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "  model: m", with: "  model: m\n  unavailable_timeout_seconds: \(value)")
        let (_, issues) = ConfigLoader.check(try s.write("unavailable.yaml", text))
        let issue = try #require(issues.first { $0.field == "policy.unavailable_timeout_seconds" })
        #expect(issue.severity == .error && issue.message.contains("positive"))
        #expect(issue.line == 8)
    }

    @Test func unknownTopLevelSectionIsAnError() throws {
        let s = try Scratch()
        let url = try s.write("top.yaml", minimalConfig + "\ntrainerr:\n  url: http://x\n")
        let (_, issues) = ConfigLoader.check(url)
        #expect(issues.contains { $0.field == "trainerr" && $0.message.contains("did you mean `trainer`") })
    }

    @Test func unknownKeyInsideListElement() throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "    - url: http://127.0.0.1:8000", with: "    - url: http://127.0.0.1:8000\n      max_conc: 3")
        let (_, issues) = ConfigLoader.check(try s.write("list.yaml", text))
        let issue = try #require(issues.first { $0.field == "policy.endpoints[0].max_conc" })
        #expect(issue.line == 10)
    }

    @Test func wrongTypeNamesFieldAndLine() throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "  name: minimal", with: "  name: minimal\n  steps: many")
        let (loaded, issues) = ConfigLoader.check(try s.write("type.yaml", text))
        #expect(loaded == nil)
        let issue = try #require(issues.first { $0.field == "run.steps" })
        #expect(issue.line == 3)
        #expect(issue.message.contains("expected an integer"))
        #expect(issue.message.contains("`many`"))
    }

    @Test func badEnumValueListsAllowedValues() throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "  kind: tom_table", with: "  kind: tom_tables")
        let (_, issues) = ConfigLoader.check(try s.write("enum.yaml", text))
        let issue = try #require(issues.first { $0.field == "dataset.kind" })
        #expect(issue.line == 4)
        #expect(issue.message.contains("tombench_jsonl"))
    }

    @Test func missingRequiredKey() throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "  model: m\n", with: "")
        let (_, issues) = ConfigLoader.check(try s.write("missing.yaml", text))
        let issue = try #require(issues.first { $0.field == "policy.model" })
        #expect(issue.message.contains("required key"))
    }

    @Test func yaml11BooleansStayStrings() throws {
        let s = try Scratch()
        let text = minimalConfig
            .replacingOccurrences(of: "  name: minimal", with: "  name: no")
            .replacingOccurrences(of: "  model: m", with: "  model: on\n  system_prompt: yes")
        let loaded = try ConfigLoader.load(try s.write("bools.yaml", text))
        #expect(loaded.config.run.name == "no")
        #expect(loaded.config.policy.model == "on")
        #expect(loaded.config.policy.systemPrompt == "yes")
    }

    @Test func yesIsNotABooleanEither() throws {
        let s = try Scratch()
        let text = minimalConfig + "\nsampling:\n  dynamic_sampling:\n    enabled: yes\n"
        let (_, issues) = ConfigLoader.check(try s.write("yes.yaml", text))
        let issue = try #require(issues.first { $0.field == "sampling.dynamic_sampling.enabled" }, "\(issues)")
        #expect(issue.message.contains("boolean"))
        #expect(issue.line == 16)
    }

    @Test func missingRubricFileIsReported() throws {
        let s = try Scratch()
        let text = minimalConfig + """

            judge:
              model: j
              endpoints: [{url: "http://127.0.0.1:8001"}]
              rubric: rubrics/nowhere.yaml
            """
        let (_, issues) = ConfigLoader.check(try s.write("rubric.yaml", text))
        let issue = try #require(issues.first { $0.field == "judge.rubric" })
        #expect(issue.line == 17)
        #expect(issue.message.contains("not found"))
    }

    @Test func evalOnlyDatasetCannotTrain() throws {
        let s = try Scratch()
        let flagged = minimalConfig.replacingOccurrences(of: "  path: items.jsonl", with: "  path: items.jsonl\n  eval_only: true")
        let (_, issues) = ConfigLoader.check(try s.write("evalonly.yaml", flagged))
        let issue = try #require(issues.first { $0.field == "dataset.eval_only" })
        #expect(issue.line == 6)
        #expect(issue.message.contains("eval_datasets"))

        let tombench = minimalConfig.replacingOccurrences(of: "  kind: tom_table", with: "  kind: tombench_jsonl")
        let (_, issues2) = ConfigLoader.check(try s.write("tombench.yaml", tombench))
        #expect(issues2.contains { $0.field == "dataset.kind" && $0.message.contains("ToMBench is evaluation-only") })

        // The same dataset is fine in an eval run.
        let evalRun = tombench.replacingOccurrences(of: "  name: minimal", with: "  name: minimal\n  mode: eval")
        let (loaded, issues3) = ConfigLoader.check(try s.write("evalrun.yaml", evalRun))
        #expect(loaded != nil)
        #expect(!issues3.contains { $0.severity == .error })
    }

    @Test func secretsMustBeEnvironmentVariableNames() throws {
        let s = try Scratch()
        let text = minimalConfig.replacingOccurrences(of: "  url: http://127.0.0.1:9000", with: "  url: http://127.0.0.1:9000\n  token_env: sk-live-abcdef")
        let (_, issues) = ConfigLoader.check(try s.write("secret.yaml", text))
        let issue = try #require(issues.first { $0.field == "trainer.token_env" })
        #expect(issue.severity == .error)
        #expect(!issue.message.contains("abcdef"))
    }

    @Test func crossFieldRules() throws {
        let s = try Scratch()
        let text = minimalConfig + """

            advantage:
              estimator: flowrl_tb
            staleness:
              mode: async
              max_staleness: 0
            sampling:
              overlong:
                enabled: true
                max_length: 100
                buffer: 200
            """
        let (_, issues) = ConfigLoader.check(try s.write("cross.yaml", text))
        let fields = Set(issues.filter { $0.severity == .error }.map(\.field))
        #expect(fields.contains("advantage.estimator"))
        #expect(fields.contains("staleness.max_staleness"))
        #expect(fields.contains("sampling.overlong.buffer"))
    }

    @Test func estimatorParamsAreCheckedByTheNumericCore() throws {
        let s = try Scratch()
        let unknown = minimalConfig + "\nadvantage:\n  estimator: grpoo\n"
        let (_, i1) = ConfigLoader.check(try s.write("est1.yaml", unknown))
        let e1 = try #require(i1.first { $0.field == "advantage.estimator" })
        #expect(e1.line == 15)
        #expect(e1.message.contains("grpo"))

        let badParam = minimalConfig + "\nadvantage:\n  estimator: grpo\n  params:\n    std: biased\n    epsilonn: 1\n"
        let (_, i2) = ConfigLoader.check(try s.write("est2.yaml", badParam))
        #expect(i2.contains { $0.field.hasPrefix("advantage.params.") && $0.line != nil })

        let gdpo = minimalConfig + "\nadvantage:\n  estimator: gdpo\n  params:\n    weights: [1, 2]\n"
        let (_, i3) = ConfigLoader.check(try s.write("est3.yaml", gdpo))
        let e3 = try #require(i3.first { $0.field == "advantage.params.weights" })
        #expect(e3.message.contains("one weight per reward component"))
        #expect(e3.line == 17)
    }

    @Test func syntaxErrorHasLine() throws {
        let s = try Scratch()
        let (loaded, issues) = ConfigLoader.check(try s.write("syntax.yaml", "run:\n  name: [unclosed\n"))
        #expect(loaded == nil)
        #expect(issues.first?.line != nil)
        #expect(issues.first?.message.contains("YAML syntax error") == true)
    }

    @Test func curriculumScheduleIsPiecewiseLinear() {
        let c = ComponentConfig(name: "structure", schedule: [.init(step: 0, weight: 0), .init(step: 20, weight: 0.5), .init(step: 80, weight: 0.25)])
        #expect(c.weight(atStep: -1) == 0)
        #expect(c.weight(atStep: 0) == 0)
        #expect(c.weight(atStep: 10) == 0.25)
        #expect(c.weight(atStep: 20) == 0.5)
        #expect(c.weight(atStep: 50) == 0.375)
        #expect(c.weight(atStep: 80) == 0.25)
        #expect(c.weight(atStep: 1000) == 0.25)
        #expect(ComponentConfig(name: "x", weight: 2).weight(atStep: 5) == 2)
    }
}
