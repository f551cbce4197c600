import ArbiterConfig
import ArgumentParser
import Foundation

/// `arbiter validate CONFIG...`: checks configs and the files they point to.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check run configs, and the rubric and dataset files they point to.",
        discussion: """
            Prints every problem as FILE:LINE:COLUMN: SEVERITY: FIELD: MESSAGE. Exits non-zero when \
            any config has an error. Unknown keys are errors; warnings do not fail validation.
            """
    )

    @Argument(help: "Config files (YAML).")
    var configs: [String]

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func run() async throws {
        var failed = false
        for path in configs {
            let url = URL(fileURLWithPath: path)
            let (loaded, issues) = ConfigLoader.check(url)
            var problems = issues
            if let loaded {
                problems += ConfigFileChecks.check(loaded)
            }
            let errors = problems.filter { $0.severity == .error || strict }
            for issue in problems { print(issue) }
            if errors.isEmpty {
                print("\(path): ok\(problems.isEmpty ? "" : " (\(problems.count) warning\(problems.count == 1 ? "" : "s"))")")
            } else {
                failed = true
                print("\(path): \(errors.count) error\(errors.count == 1 ? "" : "s")")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
