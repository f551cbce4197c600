import ArbiterCore
import ArbiterData
import Foundation
import Testing

@Suite("MoReBench loader (project fixture)")
struct MoReBenchLoaderTests {
    private func load(strict: Bool = false) throws -> LoadedDataset {
        try DatasetLoader.load(
            DatasetConfig(kind: .morebenchCSV, path: "morebench_mini.csv", strict: strict), relativeTo: Fixtures.directory)
    }

    @Test func scenariosCriteriaAndRejections() throws {
        let d = try load()
        #expect(d.rowsRead == 5)
        #expect(d.prompts.count == 2)
        let s = d.prompts.compactMap(\.scenario)
        #expect(s[0].dilemma.hasPrefix("My neighbour's dog barks all night.\nI have asked twice"))
        #expect(s[0].dilemma.hasSuffix("Should I report it to the city, \"officially\"?"))
        #expect(s[0].theory == "neutral")
        #expect(s[0].context == "Neighbours")
        #expect(s[0].roleDomain == "ai_advisor")
        #expect(s[0].source == SourceLocation(file: "morebench_mini.csv", line: 2))
        #expect(s[0].criteria.map(\.id) == ["n-1", "n-2", "n-3"])
        #expect(s[0].criteria.map(\.weight) == [3, 2, -2])
        #expect(s[0].criteria.map(\.dimension) == [.identifying, .helpfulOutcome, .harmlessOutcome])
        #expect(s[0].criteria[1].title == "Suggests a written note before a formal report (the neighbour's view matters).")
        #expect(s[0].criteria[2].title.contains("—"))
        #expect(s[1].theory == "Utilitarianism")
        #expect(s[1].source.line == 6)
        #expect(s[1].criteria[1].title == "Mentions maintenance costs\nover several years.")
        #expect(s[1].criteria[1].dimension == nil)
        #expect(d.notes.map(\.kind) == ["unknown_dimension"])
        #expect(d.notes[0].location.line == 6)
        #expect(d.notes[0].message.contains("stylistic flair"))

        #expect(d.rejected.map(\.location.line) == [7, 8, 9])
        #expect(d.rejected[0].reason.contains("weight 5 is outside"))
        #expect(d.rejected[1].reason.contains("RUBRIC is not a valid Python literal"))
        #expect(d.rejected[1].reason.contains("column"))
        #expect(d.rejected[2].reason.contains("has 3 fields, the header has 7"))
        #expect(d.prompts.allSatisfy { $0.id == PromptID(canonicalContent: $0.scenario!.canonicalContent) })
        #expect(d.prompts.map(\.id) == (try load()).prompts.map(\.id))
    }

    @Test func strictStopsAtFirstBadRow() throws {
        do {
            _ = try load(strict: true)
            Issue.record("strict load should throw")
        } catch let error as DataError {
            #expect(error.code == .badRow)
            #expect(error.context == "morebench_mini.csv:7")
            #expect(error.message.contains("weight 5"))
        }
    }

    @Test func missingColumnIsNamed() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        try dir.write("m.csv", "DILEMMA,DILEMMA_SOURCE,DILEMMA_TYPE,RUBRIC,ROLE_DOMAIN,CONTEXT\nx,s,t,\"[]\",r,c\n")
        do {
            _ = try DatasetLoader.load(DatasetConfig(kind: .morebenchCSV, path: "m.csv"), relativeTo: dir.url)
            Issue.record("missing column should throw")
        } catch let error as DataError {
            #expect(error.code == .missingColumn)
            #expect(error.message.contains("THEORY"))
            #expect(error.context == "m.csv:1")
        }
    }

    @Test func weightAndShapeRules() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        func row(_ rubric: String) -> String {
            "\"dilemma \(rubric.count)\",s,t,neutral,\"\(rubric.replacingOccurrences(of: "\"", with: "\"\""))\",r,c\n"
        }
        let rubrics = [
            "[{'id': 'a', 'title': 't', 'weight': 2.5}]",
            "[{'id': 'a', 'title': 't', 'weight': 0}]",
            "[{'id': 'a', 'title': 't', 'weight': True}]",
            "[{'id': 'a', 'title': 't', 'weight': -4}]",
            "[{'id': 'a', 'title': 't'}]",
            "[{'id': 'a', 'title': 't', 'weight': 1}, {'id': 'a', 'title': 'u', 'weight': 1}]",
            "[]",
            "{'id': 'a'}",
            "[{'id': 'a', 'title': 't', 'weight': -3}, ('not', 'a dict')]",
            "[{'id': 'ok', 'title': 'fine', 'weight': -1, 'annotations': {'rubric_dimension': 'Logical_Process'}},]",
        ]
        try dir.write("w.csv", "DILEMMA,DILEMMA_SOURCE,DILEMMA_TYPE,THEORY,RUBRIC,ROLE_DOMAIN,CONTEXT\n" + rubrics.map(row).joined())
        let d = try DatasetLoader.load(DatasetConfig(kind: .morebenchCSV, path: "w.csv"), relativeTo: dir.url)
        #expect(d.rowsRead == rubrics.count)
        let reasons = d.rejected.map(\.reason)
        #expect(reasons.count == rubrics.count - 1)
        #expect(reasons[0].contains("weight 2.5 is not an integer"))
        #expect(reasons[1].contains("weight 0 is outside"))
        #expect(reasons[2].contains("weight True is not an integer"))
        #expect(reasons[3].contains("weight -4 is outside"))
        #expect(reasons[4].contains("has no 'weight'"))
        #expect(reasons[5].contains("duplicate id 'a'"))
        #expect(reasons[6].contains("no criteria"))
        #expect(reasons[7].contains("must be a list"))
        #expect(reasons[8].contains("#2 is a tuple"))
        let ok = try #require(d.prompts.first?.scenario)
        #expect(ok.criteria == [RubricCriterion(id: "ok", title: "fine", weight: -1, dimension: .logicalProcess)])
        #expect(d.notes("missing_dimension").count == 0)
    }
}
