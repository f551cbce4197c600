import ArbiterCore
import Foundation
import Testing

@Suite("Core value types")
struct CoreTypesTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256MatchesFIPSVectors(input: String, digest: String) {
        #expect(SHA256.hex(input) == digest)
    }

    @Test func sha256MillionA() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(SHA256.hexString(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func acceleratedAndPortableRoundsAgree() {
        // Random inputs of every length up to 600 bytes, fed whole and in uneven pieces.
        var rng = SplitMix64(seed: 42)
        for n in 0...600 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var fast = FastSHA256()
            var portable = FastSHA256(portable: true)
            var split = FastSHA256()
            fast.update(bytes)
            portable.update(bytes)
            var k = 0
            while k < n {
                let step = min(n - k, 1 + rng.nextBelow(130))
                split.update(Array(bytes[k..<(k + step)]))
                k += step
            }
            #expect(fast.finalize() == portable.finalize(), "length \(n)")
            #expect(split.finalize() == portable.finalize(), "length \(n) split")
        }
        // Where the CPU has them they must be in use, or the comparison above tested nothing.
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpuinfo.contains(" sha_ni") {
            #expect(FastSHA256.isAccelerated, "the CPU has the SHA extensions but FastSHA256 does not use them")
        } else {
            print("SKIP: no SHA extensions on this CPU; only the portable rounds were compared with themselves")
        }
    }

    @Test func sha256AtEveryPaddingBoundary() throws {
        // Lengths around the 55/56/63/64-byte padding edges, against the system's sha256sum.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else {
            print("SKIP: /usr/bin/sha256sum absent; padding-boundary cross-check skipped")
            return
        }
        for n in [0, 1, 54, 55, 56, 57, 62, 63, 64, 65, 119, 120, 127, 128, 191] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(n)-\(UUID().uuidString)")
            try Data(bytes).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            p.arguments = [url.path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(SHA256.hex(bytes) == String(out.prefix(64)), "length \(n)")
        }
    }

    @Test func promptIDsAreStableAndContentDerived() {
        let a = PromptID(canonicalContent: "story\u{1f}question")
        let b = PromptID(canonicalContent: "story\u{1f}question")
        let c = PromptID(canonicalContent: "story\u{1f}question!")
        #expect(a == b)
        #expect(a != c)
        #expect(a.rawValue.count == 32)
    }

    @Test func multipleChoiceItemRejectsBadGold() throws {
        let loc = SourceLocation(file: "f.jsonl", line: 3)
        #expect(throws: CoreError.self) {
            try MultipleChoiceItem(story: "s", question: "q", options: ["a", "b"], goldIndex: 2, language: "en", abilities: [], source: loc, evalOnly: false)
        }
        #expect(throws: CoreError.self) {
            try MultipleChoiceItem(story: "s", question: "q", options: ["a"], goldIndex: 0, language: "en", abilities: [], source: loc, evalOnly: false)
        }
        let item = try MultipleChoiceItem(story: "s", question: "q", options: ["a", "b", "c"], goldIndex: 2, language: "en", abilities: [], source: loc, evalOnly: true)
        #expect(item.goldLetter == "C")
        #expect(item.letters == ["A", "B", "C"])
    }

    @Test func rewardVectorMissingComponentsNeverBecomeZero() {
        let comps = [
            RewardComponent(name: "format", value: 1, weight: 0.5),
            RewardComponent(name: "outcome", value: 1, weight: 1),
            RewardComponent(name: "content", value: nil, weight: 0.5),
        ]
        #expect(RewardVector(components: comps, missing: .missingTotal).total == nil)
        // Renormalized over the present weights: (0.5 + 1) * 2 / 1.5 = 2.
        #expect(RewardVector(components: comps, missing: .renormalize).total == 2)
        // A zero-weight missing component does not matter.
        var zeroWeighted = comps
        zeroWeighted[2].weight = 0
        #expect(RewardVector(components: zeroWeighted).total == 1.5)
        #expect(RewardVector(components: comps)["content"] == nil)
        #expect(RewardVector(components: comps)["outcome"] == 1)
    }

    @Test func finishReasonAndTruncation() {
        #expect(FinishReason(serverValue: "length") == .length)
        #expect(FinishReason(serverValue: "stop") == .stop)
        #expect(FinishReason(serverValue: "eos") == .stop)
        #expect(FinishReason(serverValue: nil) == .unknown)
        let r = Rollout(
            id: "p/0", promptID: PromptID("p"), sampleIndex: 0, endpoint: "http://x", policyVersion: 3,
            promptText: "q", completionText: "a", completionLogprobs: [-1, -2, -3], finishReason: .length, completionTokens: 3)
        #expect(r.truncated)
        #expect(r.logprobMean == -2)
    }

    @Test func policyVersionStaleness() {
        let v: PolicyVersion = 3
        #expect(v.staleness(relativeTo: 5) == 2)
        #expect(v.staleness(relativeTo: 2) == 0)
        #expect(PolicyVersion(1) < PolicyVersion(2))
    }

    @Test func batchIDsAreDeterministic() {
        let a = Batch.makeID(runID: "r", step: 3, sampleIDs: ["x", "y"])
        #expect(a == Batch.makeID(runID: "r", step: 3, sampleIDs: ["x", "y"]))
        #expect(a != Batch.makeID(runID: "r", step: 3, sampleIDs: ["y", "x"]))
        #expect(a.hasPrefix("b-3-"))
    }

    @Test func rubricDimensionLabels() {
        #expect(RubricDimension(label: "Logical_Process") == .logicalProcess)
        #expect(RubricDimension(label: "harmless outcome") == .harmlessOutcome)
        #expect(RubricDimension(label: "vibes") == nil)
        #expect(RubricDimension.clearProcess.componentName == "clear_process")
    }
}
