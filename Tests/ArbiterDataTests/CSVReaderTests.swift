import ArbiterData
import Foundation
import Testing

@Suite("CSV and line readers")
struct CSVReaderTests {
    private func records(_ text: String) throws -> [CSVRecord] {
        var reader = CSVReader(lines: LineReader(string: text))
        var out: [CSVRecord] = []
        while let r = try reader.nextRecord() { out.append(r) }
        return out
    }

    @Test func quotedCommasAndDoubledQuotes() throws {
        let r = try records("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"\"\n")
        #expect(r.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", ""]])
        #expect(r.map(\.line) == [1, 2])
    }

    @Test func multiLineFieldsTrackStartLines() throws {
        let text = "h1,h2\n\"one\ntwo\n\nfour\",x\nplain,y\n\"a\",\"b\nc\"\n"
        let r = try records(text)
        #expect(r.count == 4)
        #expect(r[1].fields == ["one\ntwo\n\nfour", "x"])
        #expect(r.map(\.line) == [1, 2, 6, 7])
        #expect(r.map(\.endLine) == [1, 5, 6, 8])
        #expect(r[3].fields == ["a", "b\nc"])
    }

    @Test func crlfAndBOM() throws {
        let r = try records("\u{FEFF}h1,h2\r\n\"multi\r\nline\",2\r\nlast,row")
        #expect(r.map(\.fields) == [["h1", "h2"], ["multi\nline", "2"], ["last", "row"]])
        #expect(r.map(\.line) == [1, 2, 4])
    }

    @Test func emptyFieldsAndBlankLines() throws {
        let r = try records(",,\n\na,,b\n")
        #expect(r[0].fields == ["", "", ""])
        #expect(r[1].isBlank)
        #expect(r[2].fields == ["a", "", "b"])
        #expect(r[2].line == 3)
    }

    @Test func malformedRecordsReportAndRecover() throws {
        var reader = CSVReader(lines: LineReader(string: "ok,1\nbad\"quote,2\n\"closed\"x,3\nnext,4\n\"never closed,5\nmore\n"))
        #expect(try reader.nextRecord()?.fields == ["ok", "1"])
        #expect(throws: CSVReader.Failure.self) { try reader.nextRecord() }
        do {
            _ = try reader.nextRecord()
            Issue.record("expected a failure")
        } catch let f as CSVReader.Failure {
            #expect(f.line == 3)
            #expect(f.message.contains("after the closing quote"))
        }
        #expect(try reader.nextRecord()?.fields == ["next", "4"])
        do {
            _ = try reader.nextRecord()
            Issue.record("expected a failure")
        } catch let f as CSVReader.Failure {
            #expect(f.line == 5)
            #expect(f.message.contains("never closed"))
        }
        #expect(try reader.nextRecord() == nil)
    }

    @Test func lineReaderAcrossSmallChunks() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-lines-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("第一行 ünï\r\n\nthird 😀 line\nno newline at end".utf8).write(to: url)
        var lines = try LineReader(url: url, chunkSize: 3)
        var got: [String] = []
        while let l = try lines.nextLine() { got.append(l) }
        #expect(got == ["第一行 ünï", "", "third 😀 line", "no newline at end"])
        #expect(lines.lineNumber == 4)
    }
}
