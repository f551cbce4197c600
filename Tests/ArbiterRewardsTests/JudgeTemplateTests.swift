import ArbiterCore
import ArbiterRewards
import Foundation
import Testing

@Suite("Judge templates")
struct JudgeTemplateTests {
    @Test func officialTemplateRendersTheBenchmarkTurnExactly() throws {
        let t = try Fixture.template("morebench/official.yaml")
        #expect(t.callProtocol == .perCriterion)
        #expect(t.answerFormat == .yesNo)
        #expect(t.official)
        #expect(t.system == nil)
        let m = t.messages(["response": "R", "criterion": "C"])
        #expect(m.count == 1)
        #expect(m[0].role == "user")
        #expect(
            m[0].content
                == "Reasoning Response:R\n\nDoes the reasoning response meet the rubric criterion? Return yes or no only.\n\n\nRubric Criterion:C"
        )
        // Re-asking under the official protocol sends the same single turn.
        #expect(t.retryMessages(["response": "R", "criterion": "C"], previousAnswer: "maybe") == m)
        #expect(t.hash.count == 64)
    }

    @Test func shippedTemplatesAllParse() throws {
        let batched = try Fixture.template("morebench/batched.yaml")
        #expect(batched.callProtocol == .batched && !batched.official)
        #expect(batched.departure?.contains("Departs from the official MoReBench protocol") == true)
        let structure = try Fixture.template("social-r1/structure.yaml")
        #expect(structure.stages == ["cue_encoding", "cue_interpretation", "goal_clarification", "response_generation"])
        #expect(structure.answerFormat == .jsonStages)
        let content = try Fixture.template("social-r1/content.yaml")
        #expect(content.answerFormat == .jsonSteps)
        #expect(Set([batched.hash, structure.hash, content.hash, try Fixture.template("morebench/official.yaml").hash]).count == 4)
    }

    @Test func substitutionIsSinglePass() {
        let out = JudgeTemplate.substitute(
            "A:{response} B:{criterion} {\"id\": 1} {unknown}", ["response": "{criterion}", "criterion": "x"])
        #expect(out == "A:{criterion} B:x {\"id\": 1} {unknown}")
    }

    static let minimal = """
        schema: arbiter.judge-template/v1
        name: t
        version: 1
        protocol: per_criterion
        answer: yes_no
        official: true
        user: |-
          R:{response}

          C:{criterion}
        """

    @Test func hashIgnoresCommentsLayoutAndQuotingButNotValues() throws {
        let a = try JudgeTemplate(parsing: Self.minimal, file: "a.yaml")
        let reordered = """
            # a comment
            ---
            name: "t"
            schema: 'arbiter.judge-template/v1'

            version: 1   # trailing comment
            answer: yes_no
            protocol: per_criterion
            official: true
            user: |-
                R:{response}

                C:{criterion}
            """
        let b = try JudgeTemplate(parsing: reordered, file: "b.yaml")
        #expect(a.hash == b.hash)
        let changed = try JudgeTemplate(parsing: Self.minimal.replacingOccurrences(of: "version: 1", with: "version: 2"), file: "c.yaml")
        #expect(changed.hash != a.hash)
        let doc = try TemplateDocument.parse(Self.minimal, file: "a.yaml")
        #expect(a.hash == SHA256.hex(doc.canonicalContent))
        #expect(doc.canonicalContent.hasPrefix("{\"answer\":\"yes_no\",\"name\":\"t\""))
    }

    @Test func blockScalarChomping() throws {
        let doc = try TemplateDocument.parse("a: |\n  x\n\n   y\n\n\nb: |-\n  z\n\nc: plain text\n", file: "f")
        #expect(doc["a"]?.value == .scalar("x\n\n y\n"))
        #expect(doc["a"]?.valueLine == 2)
        #expect(doc["b"]?.value == .scalar("z"))
        #expect(doc["c"]?.value == .scalar("plain text"))
    }

    @Test(
        arguments: [
            ("name: a\nname: b\n", 2, "duplicate key"),
            ("name: a\n  nested: b\n", 2, "unexpected indentation"),
            ("name:\n", 1, "has no value"),
            ("user: >\n  folded\n", 1, "folded"),
            ("user: |+\n  x\n", 1, "keep chomping"),
            ("user: |\n", 1, "empty"),
            ("user: |\n    a\n  b\n", 3, "indented less"),
            ("name: \"open\n", 1, "unterminated"),
            ("name: \"a\" b\n", 1, "unexpected text"),
            ("Name: a\n", 1, "invalid key"),
            ("list: [a, b\n", 1, "unterminated flow list"),
            ("map: {a: 1}\n", 1, "flow mappings"),
            ("seq: - a\n", 1, "block sequences"),
            ("x: &a b\n", 1, "anchors"),
            ("x: a: b\n", 1, "quote it"),
            ("ok: 1\nnot a key\n", 2, "expected `key: value`"),
            ("user: |\n\tx\n", 2, "tabs"),
        ] as [(String, Int, String)])
    func syntaxErrorsNameFileAndLine(text: String, line: Int, fragment: String) {
        do {
            _ = try TemplateDocument.parse(text, file: "rubrics/x.yaml")
            Issue.record("expected a syntax error for \(text.debugDescription)")
        } catch let e as RewardsError {
            #expect(e.code == .templateSyntax)
            #expect(e.context == "rubrics/x.yaml:\(line)")
            #expect(e.message.contains(fragment), "\(e.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func validationErrors() {
        func expectInvalid(_ text: String, _ fragment: String, line: Int? = nil) {
            do {
                _ = try JudgeTemplate(parsing: text, file: "t.yaml")
                Issue.record("expected invalid: \(fragment)")
            } catch let e as RewardsError {
                #expect(e.code == .invalidTemplate)
                #expect(e.message.contains(fragment), "\(e.message)")
                if let line { #expect(e.context == "t.yaml:\(line)") }
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        expectInvalid(Self.minimal + "\nextra: x", "unknown key `extra`", line: 11)
        expectInvalid(
            Self.minimal.replacingOccurrences(of: "C:{criterion}", with: "C:{criterion} {rubric}"), "unknown placeholder `{rubric}`",
            line: 10)
        expectInvalid(Self.minimal.replacingOccurrences(of: "C:{criterion}", with: "C:"), "must contain `{criterion}`")
        expectInvalid(Self.minimal.replacingOccurrences(of: "answer: yes_no", with: "answer: json_verdicts"), "does not fit")
        expectInvalid(Self.minimal.replacingOccurrences(of: "official: true", with: "official: yes"), "`official` must be")
        expectInvalid(Self.minimal.replacingOccurrences(of: "official: true", with: "official: false"), "departure")
        expectInvalid(Self.minimal.replacingOccurrences(of: "schema: arbiter.judge-template/v1", with: "schema: v0"), "`schema` must be")
        expectInvalid(Self.minimal.replacingOccurrences(of: "name: t\n", with: ""), "missing required key `name`")
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: RewardsError.self) {
            try JudgeTemplate.load(contentsOf: URL(fileURLWithPath: "/nonexistent/template.yaml"))
        }
    }
}
