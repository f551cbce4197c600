import ArbiterCore
import Testing

@testable import ArbiterStore

@Suite("FastSHA256")
struct FastSHA256Tests {
    @Test func fipsVectors() {
        #expect(FastSHA256.digest("").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(FastSHA256.digest("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            FastSHA256.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = FastSHA256()
        let a = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(a) }
        #expect(h.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Padding edge cases (checked with Python's hashlib).
        let aa = { (n: Int) in FastSHA256.digest([UInt8](repeating: UInt8(ascii: "a"), count: n)).hex }
        #expect(aa(63) == "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34")
        #expect(aa(64) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
        #expect(aa(127) == "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a")
    }

    /// Chunked updates agree with `ArbiterCore.SHA256` at every padding boundary.
    @Test func matchesCoreSHA256InChunks() {
        var seed: UInt64 = 42
        for length in [0, 1, 55, 56, 62, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4097] {
            let bytes = (0..<length).map { _ -> UInt8 in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: seed >> 33)
            }
            var fast = FastSHA256()
            var i = 0
            var chunk = 1
            while i < length {
                let end = min(length, i + chunk)
                fast.update(Array(bytes[i..<end]))
                i = end
                chunk = chunk * 3 % 97 + 1
            }
            #expect(fast.finalize().hex == SHA256.hex(bytes), "length \(length)")
        }
    }

    @Test func digestHexRoundTrip() {
        let d = FastSHA256.digest("x")
        #expect(Digest256(hex: d.hex) == d)
        #expect(Digest256(bytes: d.bytes) == d)
        #expect(Digest256(hex: "zz") == nil)
    }
}

@Suite("Blobs and text encodings")
struct EncodingTests {
    @Test func digestCountsCountAndSurviveCollidingSlots() {
        var counts = DigestCounts(capacity: 40)
        // Same low word (same starting slot) but different digests, plus real digests.
        let colliding = (0..<10).map { Digest256(a: UInt64($0), b: 0, c: 0, d: 7) }
        let real = (0..<30).map { FastSHA256.digest("text \($0)") }
        for d in colliding + real { counts.add(d) }
        for d in real.prefix(5) { counts.add(d) }
        #expect(colliding.allSatisfy { counts.count($0) == 1 })
        #expect(real.prefix(5).allSatisfy { counts.count($0) == 2 })
        #expect(real.dropFirst(5).allSatisfy { counts.count($0) == 1 })
        #expect(counts.count(FastSHA256.digest("never added")) == 0)
        #expect(counts.count(Digest256(a: 99, b: 0, c: 0, d: 7)) == 0)
    }

    @Test func tokenBlobsRoundTrip() throws {
        let ids = [0, 1, -1, Int(Int32.max), Int(Int32.min), 151_000]
        #expect(try BlobCoding.decodeInt32LE(try BlobCoding.int32LE(ids)) == ids)
        #expect(throws: StoreError.self) { try BlobCoding.int32LE([Int(Int32.max) + 1]) }
        let lps = [-0.5, -1.25, 0, -3.0e-8]
        #expect(try BlobCoding.decodeFloat32LE(BlobCoding.float32LE(lps)) == lps.map { Double(Float($0)) })
        #expect(try BlobCoding.int32LE([1]) == [1, 0, 0, 0])
    }

    @Test func csvQuoting() {
        #expect(CSVText.line(["a", "b,c", "say \"hi\"", "two\nlines", nil, " pad"]) == "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",,\" pad\"")
    }

    @Test func jsonEscaping() {
        #expect(JSONText.quote("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
        #expect(JSONText.canonicalObject(["b": 1, "a": nil, "é": 0.5]) == "{\"a\":null,\"b\":1.0,\"é\":0.5}")
    }
}
