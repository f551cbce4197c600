import ArbiterData
import Testing

@Suite("Python literal parser")
struct PythonLiteralTests {
    @Test func nestedDictsListsAndTuples() throws {
        let v = try PythonLiteral.parse("""
            [{'id': 'b-1', 'weight': -3, 'annotations': {'rubric_dimension': 'identifying', 'tags': ['x', ('y', 2)]}},
             {"id": "b-2", 'weight': +2, 'annotations': {}}]
            """)
        let items = try #require(v.elements)
        #expect(items.count == 2)
        #expect(items[0]["id"] == .string("b-1"))
        #expect(items[0]["weight"] == .int(-3))
        #expect(items[0]["annotations"]?["rubric_dimension"] == .string("identifying"))
        #expect(items[0]["annotations"]?["tags"] == .list([.string("x"), .tuple([.string("y"), .int(2)])]))
        #expect(items[1]["weight"] == .int(2))
        #expect(items[1]["annotations"] == .dict([]))
    }

    @Test func escapes() throws {
        let v = try PythonLiteral.parse(#"'a\nb\'c\\d\x41\u00e9\U0001F600\t\101\"\q'"#)
        #expect(v == .string("a\nb'c\\dAé😀\tA\"\\q"))
        #expect(try PythonLiteral.parse(#""it's \"quoted\"""#) == .string("it's \"quoted\""))
        #expect(try PythonLiteral.parse(#"'\ud83d\ude00'"#) == .string("😀"))
        #expect(try PythonLiteral.parse("'line \\\ncontinued'") == .string("line continued"))
        #expect(try PythonLiteral.parse(#"r'\n\''"#) == .string(#"\n\'"#))
    }

    @Test func unicodeTextAndStringForms() throws {
        #expect(try PythonLiteral.parse("'道德 — ünïcode 😀'") == .string("道德 — ünïcode 😀"))
        #expect(try PythonLiteral.parse("'a' \"b\"\n 'c'") == .string("abc"))
        #expect(try PythonLiteral.parse("u'x'") == .string("x"))
        #expect(try PythonLiteral.parse("'''one\ntwo ' '' three'''") == .string("one\ntwo ' '' three"))
        #expect(try PythonLiteral.parse("''") == .string(""))
    }

    @Test func constantsAndNumbers() throws {
        #expect(try PythonLiteral.parse("[True, False, None]") == .list([.bool(true), .bool(false), .none]))
        #expect(try PythonLiteral.parse("-3") == .int(-3))
        #expect(try PythonLiteral.parse("- 2") == .int(-2))
        #expect(try PythonLiteral.parse("-2.5") == .float(-2.5))
        #expect(try PythonLiteral.parse("1e3") == .float(1000))
        #expect(try PythonLiteral.parse(".5") == .float(0.5))
        #expect(try PythonLiteral.parse("0x1F") == .int(31))
        #expect(try PythonLiteral.parse("-0b101") == .int(-5))
        #expect(try PythonLiteral.parse("1_000") == .int(1000))
        #expect(try PythonLiteral.parse("0") == .int(0))
        // bool is not an int
        #expect(try PythonLiteral.parse("True").intValue == nil)
    }

    @Test func trailingCommasTuplesAndComments() throws {
        #expect(try PythonLiteral.parse("[1, 2,]") == .list([.int(1), .int(2)]))
        #expect(try PythonLiteral.parse("{'a': 1,}") == .dict([.init(key: .string("a"), value: .int(1))]))
        #expect(try PythonLiteral.parse("(1,)") == .tuple([.int(1)]))
        #expect(try PythonLiteral.parse("(1, 2, )") == .tuple([.int(1), .int(2)]))
        #expect(try PythonLiteral.parse("(1)") == .int(1))
        #expect(try PythonLiteral.parse("()") == .tuple([]))
        #expect(try PythonLiteral.parse("[ ]") == .list([]))
        #expect(try PythonLiteral.parse("[1, # one\n 2]  # done") == .list([.int(1), .int(2)]))
        // later duplicate keys win, as in Python
        #expect(try PythonLiteral.parse("{'k': 1, 'k': 2}")["k"] == .int(2))
    }

    /// Parses `text` expecting a failure; returns the error.
    private func failure(_ text: String) -> PythonLiteralError? {
        do {
            _ = try PythonLiteral.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func unterminatedString() throws {
        let e = try #require(failure("['abc"))
        #expect(e.message.contains("unterminated string"))
        #expect(e.line == 1 && e.column == 2 && e.offset == 1)
        let e2 = try #require(failure("[\n  'ok',\n  'abc\n]"))
        #expect(e2.message.contains("unterminated string"))
        #expect(e2.line == 3 && e2.column == 3)
        #expect(failure(#"'abc\'"#)?.message.contains("unterminated") == true)
    }

    @Test func badTokens() throws {
        let name = try #require(failure("[1, 2, foo]"))
        #expect(name.message.contains("unknown name 'foo'"))
        #expect(name.column == 8)
        let at = try #require(failure("[1, @]"))
        #expect(at.message.contains("unexpected '@'"))
        #expect(at.column == 5)
        #expect(failure("12abc")?.message.contains("bad token") == true)
        #expect(failure("012")?.message.contains("leading zeros") == true)
        #expect(failure("{1, 2}")?.message.contains("sets are not supported") == true)
        #expect(failure("{[1]: 2}")?.message.contains("unhashable") == true)
        #expect(failure("b'x'")?.message.contains("bytes") == true)
        #expect(failure("1j")?.message.contains("complex") == true)
        #expect(failure(#"'\x4'"#)?.message.contains("truncated \\x escape") == true)
        #expect(failure(#"'\ud800'"#)?.message.contains("lone surrogate") == true)
        #expect(failure("99999999999999999999999")?.message.contains("too large") == true)
        #expect(failure("-'a'")?.message.contains("sign must be followed by a number") == true)
        #expect(failure("")?.message.contains("empty input") == true)
    }

    @Test func trailingGarbage() throws {
        let e = try #require(failure("[1] x"))
        #expect(e.message.contains("trailing garbage"))
        #expect(e.column == 5)
        #expect(failure("{'a': 1}}")?.message.contains("trailing garbage") == true)
        #expect(failure("1 2")?.column == 3)
    }

    @Test func unbalancedBrackets() throws {
        let open = try #require(failure("[1, 2"))
        #expect(open.message.contains("missing ']'"))
        let wrong = try #require(failure("[1, 2)"))
        #expect(wrong.message.contains("expected ',' or ']'"))
        #expect(wrong.column == 6)
        #expect(failure("{'a': 1]")?.message.contains("expected ',' or '}'") == true)
        #expect(failure("(1, 2")?.message.contains("missing ')'") == true)
        #expect(failure("]")?.message.contains("unbalanced ']'") == true)
        #expect(failure("[{'a': [1, {'b': 2]}]") != nil)
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(failure(deep)?.message.contains("nesting") == true)
    }
}
