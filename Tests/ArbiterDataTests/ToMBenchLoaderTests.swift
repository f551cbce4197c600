import ArbiterCore
import ArbiterData
import Foundation
import Testing

@Suite("ToMBench loader (project fixture)")
struct ToMBenchLoaderTests {
    private func load(_ language: String = "en", strict: Bool = false) throws -> LoadedDataset {
        try DatasetLoader.load(
            DatasetConfig(kind: .tombenchJSONL, path: "tombench_mini.jsonl", strict: strict, language: language),
            relativeTo: Fixtures.directory)
    }

    @Test func everyRowAccountedFor() throws {
        let d = try load()
        #expect(d.name == "tombench_mini")
        #expect(d.rowsRead == 6)
        #expect(d.prompts.count == 5)
        #expect(d.rejected.count == 1)
        #expect(d.rejected[0].location == SourceLocation(file: "tombench_mini.jsonl", line: 4))
        #expect(d.rejected[0].reason.contains("invalid JSON"))
        #expect(d.prompts.allSatisfy { $0.choice?.evalOnly == true })
    }

    @Test func englishNormalization() throws {
        let d = try load()
        let items = d.prompts.compactMap(\.choice)
        #expect(items[0].options == ["Basket", "Box", "Drawer", "Under the bed"])
        // NaN options C/D -> 2 options; prefixes stripped; "NaN" inside a string untouched.
        #expect(items[1].options == ["Yes", "No"])
        #expect(items[1].goldIndex == 1)
        #expect(items[1].story.hasSuffix("(NaN in a string stays)"))
        // "A. " gold normalized to A.
        #expect(items[2].goldIndex == 0)
        #expect(items[2].rawAbility == "Knowledge: Percepts-knowledge links ")
        #expect(items[2].abilities == ["Knowledge: Percepts-knowledge links"])
        // Compound ability split; case normalized.
        #expect(items[3].abilities == ["Belief: Content false beliefs", "Belief: Second-order beliefs"])
        #expect(items[1].abilities == ["Non-Literal Communication: White lies"])
        #expect(items.allSatisfy { $0.language == "en" })
        #expect(d.notes("two_options").map(\.location.line) == [2])
        #expect(d.notes("answer_normalized").map(\.location.line) == [3])
        #expect(d.notes("duplicate_option").map(\.location.line) == [6])
        let mismatch = try #require(d.notes("language_mismatch").first)
        #expect(mismatch.location == SourceLocation(file: "tombench_mini.jsonl", line: 6))
        #expect(mismatch.message.contains("en has 4, zh has 2"))
    }

    @Test func chineseFields() throws {
        let d = try load("zh")
        let items = d.prompts.compactMap(\.choice)
        #expect(items[0].options == ["篮子", "盒子", "抽屉", "床下"])
        #expect(items[2].options == ["小丽", "小强", "两个人都知道", "都不知道"])
        #expect(items[4].options == ["难过", "开心"])
        #expect(items.allSatisfy { $0.language == "zh" })
        #expect(d.notes("two_options").map(\.location.line) == [2, 6])
        #expect(d.notes("language_mismatch").map(\.location.line) == [6])
        #expect(d.notes("duplicate_option").isEmpty)
    }

    @Test func stableIDs() throws {
        let a = try load()
        let b = try load()
        #expect(a.prompts.map(\.id) == b.prompts.map(\.id))
        #expect(Set(a.prompts.map(\.id)).count == a.prompts.count)
        let item = try #require(a.prompts.first?.choice)
        #expect(a.prompts[0].id == PromptID(canonicalContent: item.canonicalContent))
        let zh = try load("zh")
        #expect(Set(zh.prompts.map(\.id)).isDisjoint(with: a.prompts.map(\.id)))
    }

    @Test func strictModeThrowsAtFirstBadRow() throws {
        do {
            _ = try load(strict: true)
            Issue.record("strict load should throw")
        } catch let error as DataError {
            #expect(error.code == .badRow)
            #expect(error.context == "tombench_mini.jsonl:4")
        }
    }

    @Test func streamingReaderAndLimit() throws {
        var reader = try DatasetLoader.reader(
            DatasetConfig(kind: .tombenchJSONL, path: "tombench_mini.jsonl", limit: 2), relativeTo: Fixtures.directory)
        var outcomes: [RowOutcome] = []
        while let o = try reader.next() { outcomes.append(o) }
        #expect(outcomes.count == 2)
        #expect(outcomes.allSatisfy { $0.prompt != nil })
        #expect(outcomes[1].notes.map(\.kind) == ["two_options"])
        #expect(reader.loadedCount == 2)
    }

    @Test func unsupportedLanguageAndMissingFile() throws {
        #expect(throws: DataError.self) {
            try DatasetLoader.load(DatasetConfig(kind: .tombenchJSONL, path: "tombench_mini.jsonl", language: "fr"), relativeTo: Fixtures.directory)
        }
        do {
            _ = try DatasetLoader.load(DatasetConfig(kind: .tombenchJSONL, path: "nope/missing.jsonl"), relativeTo: Fixtures.directory)
            Issue.record("missing file should throw")
        } catch let error as DataError {
            #expect(error.code == .fileNotFound)
            #expect(error.context == "nope/missing.jsonl")
        }
    }

    @Test func nanReplacementLeavesStringsAlone() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        let row = #"{"STORY": "NaN NaNa \"NaN\"", "QUESTION": "q NaN?", "OPTION-A": "A. NaN", "OPTION-B": "B) x", "OPTION-C": NaN, "OPTION-D": NaN, "答案\nANSWER": "A", "故事": "s", "问题": "q", "选项A": "a", "选项B": "b", "选项C": NaN, "选项D": NaN}"#
        try dir.write("nan.jsonl", row + "\n")
        let d = try DatasetLoader.load(DatasetConfig(kind: .tombenchJSONL, path: "nan.jsonl"), relativeTo: dir.url)
        let item = try #require(d.prompts.first?.choice)
        #expect(item.story == "NaN NaNa \"NaN\"")
        #expect(item.question == "q NaN?")
        #expect(item.options == ["NaN", "x"])
        #expect(item.abilities.isEmpty && item.rawAbility == nil)
    }
}
