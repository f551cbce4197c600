import ArbiterTrainer
import Foundation
import Testing

@Suite("gzip bodies")
struct GzipTests {
    @Test func roundTripsAndIsDeterministic() throws {
        var text = ""
        for i in 0..<5000 { text += "{\"sample_id\":\"s\(i)\",\"advantage\":\(Double(i) * 0.001)}," }
        let data = Data(text.utf8)
        let packed = try Gzip.compress(data)
        #expect(packed.count < data.count / 4)
        #expect(packed.prefix(2) == Data([0x1f, 0x8b]), "a gzip member, not a zlib stream")
        #expect(try Gzip.compress(data) == packed, "the same body compresses to the same bytes")
        #expect(try Gzip.decompress(packed) == data)
        #expect(try Gzip.decompress(try Gzip.compress(Data())) == Data())
    }

    @Test func rejectsCorruptTruncatedAndOversizedBodies() throws {
        let data = Data(String(repeating: "arbiter ", count: 10_000).utf8)
        let packed = try Gzip.compress(data)
        #expect(throws: TrainerError.self) { try Gzip.decompress(packed.prefix(packed.count / 2)) }
        var corrupt = packed
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: TrainerError.self) { try Gzip.decompress(corrupt) }
        #expect(throws: TrainerError.self) { try Gzip.decompress(packed, limit: 1000) }
        #expect(throws: TrainerError.self) { try Gzip.decompress(Data("not gzip".utf8)) }
    }
}
