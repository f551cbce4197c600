import ArbiterCore
import ArbiterData
import Foundation
import Testing

@Suite("Generated theory-of-mind training set")
struct ToMStoryGeneratorTests {
    @Test func deterministicAndLoadableAsATomTable() throws {
        let a = ToMStoryGenerator(seed: 4).jsonLines(count: 24)
        #expect(a == ToMStoryGenerator(seed: 4).jsonLines(count: 24))
        #expect(a != ToMStoryGenerator(seed: 5).jsonLines(count: 24))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-gen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tom.jsonl")
        try a.write(to: file, atomically: true, encoding: .utf8)
        let config = DatasetConfig(
            kind: .tomTable, path: file.path, format: .jsonl,
            columns: ColumnMapping(
                story: "story", question: "question", options: ["option_a", "option_b", "option_c", "option_d"], answer: "answer",
                ability: "ability", id: "id"))
        let loaded = try DatasetLoader.load(config, relativeTo: dir)
        #expect(loaded.prompts.count == 24)
        #expect(loaded.rejected.isEmpty)
        #expect(Set(loaded.prompts.map(\.id)).count == 24, "items are distinct")
    }

    @Test func goldIsTheFalseBeliefAnswer() {
        let g = ToMStoryGenerator(seed: 9)
        var abilities = Set<String>()
        for i in 0..<60 {
            let row = g.item(i)
            abilities.insert(row["ability"]!)
            let gold = row["option_" + row["answer"]!.lowercased()]!
            let story = row["story"]!
            switch row["ability"]! {
            case "Belief: Content false beliefs":
                // The gold answer is what the box should hold, which the story says it does not.
                #expect(story.contains("not \(gold.lowercased())"), "item \(i): \(gold) / \(story)")
            default:
                // The gold place is where the object was first, before it was moved.
                let first = story.range(of: "in the ")!.upperBound
                #expect(story[first...].hasPrefix(gold.replacingOccurrences(of: "The ", with: "")), "item \(i): \(gold) / \(story)")
            }
        }
        #expect(abilities.count == 3)
    }
}
