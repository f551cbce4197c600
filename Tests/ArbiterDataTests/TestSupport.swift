import ArbiterCore
import ArbiterData
import Foundation

/// The project-owned fixtures folder (copied into the test bundle).
enum Fixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }
}

/// A scratch folder for files written by a test.
struct ScratchDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

extension Prompt {
    /// The multiple-choice item, or nil.
    var choice: MultipleChoiceItem? {
        if case .multipleChoice(let item) = payload { return item }
        return nil
    }

    /// The rubric scenario, or nil.
    var scenario: RubricScenario? {
        if case .rubric(let s) = payload { return s }
        return nil
    }
}

extension LoadedDataset {
    /// Notes of one kind.
    func notes(_ kind: String) -> [DataNote] { notes.filter { $0.kind == kind } }
}
