import Foundation
import Testing

@testable import arbiter

/// `BenchStoreCommand` is hooked under `arbiter bench` by the CLI's owner; this runs it directly.
@Suite("bench store command")
struct BenchStoreCommandTests {
    @Test func runsATinyScenarioAndVerifies() async throws {
        let dir = TestFiles.freshPath("bench")
        let command = try BenchStoreCommand.parse([
            "--scenario", "mixed", "--rollouts", "64", "--steps", "2", "--dir", dir, "--json", "--request-bytes", "40",
        ])
        try await command.run()
        #expect(FileManager.default.fileExists(atPath: dir + "/mixed.sqlite"))
        #expect(throws: (any Error).self) { try BenchStoreCommand.parse(["--scenario", "nope"]) }
    }
}
