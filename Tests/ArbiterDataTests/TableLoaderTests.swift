import ArbiterCore
import ArbiterData
import Foundation
import Testing

@Suite("Multiple-choice table loader")
struct TableLoaderTests {
    static let columns = ColumnMapping(
        story: "context", question: "prompt", options: ["a", "b", "c", "d"], answer: "gold", ability: "skill", id: nil)

    @Test func csvWithCustomColumns() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        try dir.write("hard.csv", """
            skill,context,prompt,a,b,c,d,gold
            Belief: Second-order beliefs,"Ann hides the key, then leaves.",Where will Ann look?,Drawer,Shelf,Box,,B
            Emotion: hidden emotions,Story two,Q2,A. Happy,B. Sad,C. Calm,D. Angry,C. Calm
            ,Story three,Q3,Red,Green,Blue,Yellow,green
            ,Story four,Q4,Only,,,,A
            ,,Q5,x,y,,,A
            ,Story six,Q6,x,y,,,Z
            ,Story seven,Q7,x,y,,,purple
            ,Story eight,Q8,x,y,,,C
            ,Story nine,Q9,same,same,,,same
            ,Story ten,Q10,x,y,z,w,D. not w

            """)
        let d = try DatasetLoader.load(
            DatasetConfig(kind: .tomTable, path: "hard.csv", evalOnly: true, columns: Self.columns), relativeTo: dir.url)
        #expect(d.rowsRead == 10)
        let items = d.prompts.compactMap(\.choice)
        #expect(items.count == 4)
        #expect(items[0].story == "Ann hides the key, then leaves.")
        #expect(items[0].options == ["Drawer", "Shelf", "Box"])
        #expect(items[0].goldIndex == 1)
        #expect(items[0].abilities == ["Belief: Second-order beliefs"])
        #expect(items[1].options == ["Happy", "Sad", "Calm", "Angry"])
        #expect(items[1].goldIndex == 2)
        #expect(items[1].abilities == ["Emotion: Hidden emotions"])
        #expect(items[2].goldIndex == 1)  // answer given as option text, case-insensitively
        #expect(items[2].rawAbility == nil)
        #expect(items[3].goldIndex == 3)
        #expect(items.allSatisfy { $0.evalOnly && $0.language == "en" })
        #expect(d.notes("answer_text_mismatch").map(\.location.line) == [11])
        #expect(d.notes("duplicate_option").map(\.location.line) == [10])

        let rejected = Dictionary(uniqueKeysWithValues: d.rejected.map { ($0.location.line, $0.reason) })
        #expect(rejected.keys.sorted() == [5, 6, 7, 8, 9, 10])
        #expect(rejected[5]?.contains("at least 2 options") == true)
        #expect(rejected[6]?.contains("story (context) is empty") == true)
        #expect(rejected[7]?.contains("only 4 option columns") == true)
        #expect(rejected[8]?.contains("neither an option letter nor the text") == true)
        #expect(rejected[9]?.contains("which is empty") == true)
        #expect(rejected[10]?.contains("matches 2 options") == true)
        #expect(d.rejected.allSatisfy { $0.location.file == "hard.csv" })
    }

    @Test func jsonlWithCustomColumnsAndIDs() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        var columns = Self.columns
        columns.id = "uid"
        try dir.write("sub/items.jsonl", """
            {"uid": "q-1", "context": "S1", "prompt": "Q1", "a": "yes", "b": "no", "c": null, "d": NaN, "gold": "A"}
            {"uid": "q-2", "context": "S2", "prompt": "Q2", "a": "one", "b": "two", "c": "three", "d": "four", "gold": "three", "skill": "Knowledge: Knowledge-attention links"}

            {"uid": "q-3", "context": "S3", "prompt": "Q3", "a": "x", "gold": "A"}
            {"uid": "", "context": "S4", "prompt": "Q4", "a": "x", "b": "y", "gold": "A"}
            not json
            {"uid": "q-1", "context": "S6", "prompt": "Q6", "a": "x", "b": "y", "gold": "B"}
            """)
        let d = try DatasetLoader.load(
            DatasetConfig(name: "hard", kind: .tomTable, path: "sub/items.jsonl", language: "zh", columns: columns),
            relativeTo: dir.url)
        #expect(d.name == "hard")
        #expect(d.rowsRead == 6)
        #expect(d.prompts.map(\.id.rawValue) == ["q-1", "q-2"])
        #expect(d.prompts.allSatisfy { $0.dataset == "hard" && $0.choice?.language == "zh" })
        #expect(d.prompts[1].choice?.goldIndex == 2)
        #expect(d.rejected.map(\.location.line) == [4, 5, 6, 7])
        #expect(d.rejected[2].reason.contains("invalid JSON"))
        #expect(d.rejected[3].reason.contains("duplicate item"))
        #expect(d.rejected[3].reason.contains("sub/items.jsonl:1"))
    }

    @Test func defaultColumnsAndMissingColumn() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        try dir.write("t.csv", "STORY,QUESTION,OPTION-A,OPTION-B,OPTION-C,OPTION-D,ANSWER\ns,q,a,b,c,d,D\n")
        let d = try DatasetLoader.load(DatasetConfig(kind: .tomTable, path: "t.csv"), relativeTo: dir.url)
        #expect(d.prompts.first?.choice?.goldIndex == 3)
        #expect(d.notes.map(\.kind) == ["missing_column"])  // ABILITY is optional
        #expect(d.prompts.first?.choice?.evalOnly == false)

        try dir.write("u.csv", "STORY,QUESTION,OPTION-A,OPTION-B,ANSWER\ns,q,a,b,A\n")
        do {
            _ = try DatasetLoader.load(DatasetConfig(kind: .tomTable, path: "u.csv"), relativeTo: dir.url)
            Issue.record("missing option column should throw")
        } catch let error as DataError {
            #expect(error.code == .missingColumn)
            #expect(error.message.contains("OPTION-C"))
        }
        try dir.write("v.txt", "x")
        #expect(throws: DataError.self) {
            try DatasetLoader.load(DatasetConfig(kind: .tomTable, path: "v.txt"), relativeTo: dir.url)
        }
    }

    @Test func folderOfFilesInNameOrder() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        let header = "STORY,QUESTION,OPTION-A,OPTION-B,OPTION-C,OPTION-D,ANSWER,ABILITY\n"
        try dir.write("set/b.csv", header + "s2,q,a,b,,,B,\n")
        try dir.write("set/a.csv", header + "s1,q,a,b,,,A,\n")
        try dir.write("set/notes.txt", "ignored")
        var reader = try DatasetLoader.reader(DatasetConfig(kind: .tomTable, path: "set"), relativeTo: dir.url)
        #expect(reader.name == "set")
        #expect(reader.files.map(\.lastPathComponent) == ["a.csv", "b.csv"])
        var stories: [String] = []
        while let o = try reader.next() { stories.append(o.prompt?.choice?.story ?? "-") }
        #expect(stories == ["s1", "s2"])
    }
}
