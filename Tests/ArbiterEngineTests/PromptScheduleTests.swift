import ArbiterCore
@testable import ArbiterEngine
import Testing

@Suite("Prompt schedule")
struct PromptScheduleTests {
    static func ids(_ n: Int) -> [PromptID] { (0..<n).map { PromptID(canonicalContent: "item-\($0)") } }

    static func drawAll(_ schedule: PromptSchedule, limit: Int = 10_000) -> [PromptDraw] {
        var s = schedule
        return s.next(limit)
    }

    @Test func everyEpochIsAPermutationOfAllItems() {
        let ids = Self.ids(13)
        let draws = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 42, maxEpochs: 3))
        #expect(draws.count == 3 * 13)
        for epoch in 0..<3 {
            let e = draws.filter { $0.epoch == epoch }
            #expect(e.count == 13)
            #expect(e.map(\.index).sorted() == Array(0..<13))
            #expect(e.map(\.ordinal) == Array(0..<13))
            #expect(e.allSatisfy { $0.promptID == ids[$0.index] })
            #expect(e.map(\.index) == PromptSchedule.order(count: 13, seed: 42, epoch: epoch))
        }
        // Epochs come one after the other, never interleaved.
        #expect(draws.map(\.epoch) == (0..<3).flatMap { Array(repeating: $0, count: 13) })
    }

    @Test func orderIsAShuffleNotTheIdentity() {
        let order = PromptSchedule.order(count: 20, seed: 1, epoch: 0)
        #expect(order.sorted() == Array(0..<20))
        #expect(order != Array(0..<20))
    }

    @Test func sameSeedSameOrderDifferentSeedDifferentOrder() {
        let ids = Self.ids(20)
        let a = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 9, maxEpochs: 2))
        let b = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 9, maxEpochs: 2))
        let c = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 10, maxEpochs: 2))
        #expect(a == b)
        #expect(a.count == 40)
        #expect(a.map(\.index) != c.map(\.index))
        #expect(PromptSchedule.order(count: 20, seed: 9, epoch: 0) == PromptSchedule.order(count: 20, seed: 9, epoch: 0))
        #expect(PromptSchedule.order(count: 20, seed: 9, epoch: 0) != PromptSchedule.order(count: 20, seed: 10, epoch: 0))
    }

    @Test func epochsAreShuffledDifferently() {
        let orders = (0..<4).map { PromptSchedule.order(count: 20, seed: 3, epoch: $0) }
        #expect(Set(orders).count == 4)
    }

    @Test func maxEpochsStopsTheDraws() {
        var s = PromptSchedule(promptIDs: Self.ids(5), seed: 1, maxEpochs: 2)
        let first = s.next(7)
        #expect(first.count == 7)
        let rest = s.next(100)
        #expect(rest.count == 3)
        #expect(rest.last?.epoch == 1)
        #expect(s.next() == nil)
        #expect(s.next() == nil)
        #expect(s.next(4).isEmpty)
    }

    @Test func zeroEpochsDrawsNothing() {
        var s = PromptSchedule(promptIDs: Self.ids(5), seed: 1, maxEpochs: 0)
        #expect(s.next() == nil)
        #expect(s.next(3).isEmpty)
    }

    @Test func unlimitedEpochsKeepGoing() {
        var s = PromptSchedule(promptIDs: Self.ids(3), seed: 1, maxEpochs: nil)
        let draws = s.next(3 * 7)
        #expect(draws.count == 21)
        #expect(draws.last?.epoch == 6)
        #expect(s.next()?.epoch == 7)
    }

    @Test func anEmptyDatasetDrawsNothingEvenUnlimited() {
        var s = PromptSchedule(promptIDs: [], seed: 1, maxEpochs: nil)
        #expect(s.next() == nil)
        #expect(s.next(5).isEmpty)
    }

    @Test func nextCountEqualsRepeatedNext() {
        let ids = Self.ids(6)
        var batched = PromptSchedule(promptIDs: ids, seed: 5, maxEpochs: 3)
        var single = PromptSchedule(promptIDs: ids, seed: 5, maxEpochs: 3)
        #expect(batched.next(0).isEmpty)
        var a: [PromptDraw] = []
        for n in [4, 1, 5, 2, 100] { a += batched.next(n) }
        var b: [PromptDraw] = []
        while let d = single.next() { b.append(d) }
        #expect(a == b)
        #expect(a.count == 18)
    }

    /// A run resumed after k draws (those k read back from the log as consumed) draws exactly
    /// what the uninterrupted run would have drawn after them, with the same epochs and ordinals.
    @Test(arguments: [0, 1, 6, 7, 13, 20, 27, 28])
    func resumingAfterKDrawsContinuesTheUninterruptedSchedule(k: Int) {
        let ids = Self.ids(7)
        let full = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 77, maxEpochs: 4))
        #expect(full.count == 28)
        let consumed = full.prefix(k).map { (epoch: $0.epoch, promptID: $0.promptID) }
        let resumed = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 77, maxEpochs: 4, consumed: consumed))
        #expect(resumed == Array(full.dropFirst(k)))
    }

    @Test func consumedOutOfOrderSkipsExactlyThoseDraws() {
        let ids = Self.ids(8)
        let full = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 11, maxEpochs: 3))
        // A scattered set, as a replacement-drawing step can leave behind.
        let picked = Set([0, 3, 4, 9, 15, 16, 23])
        let consumed = picked.sorted().reversed().map { (epoch: full[$0].epoch, promptID: full[$0].promptID) }
        let resumed = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 11, maxEpochs: 3, consumed: consumed))
        let expected = full.enumerated().filter { !picked.contains($0.offset) }.map(\.element)
        #expect(resumed == expected)
    }

    @Test func consumedInOneEpochDoesNotSkipTheSamePromptInAnother() {
        let ids = Self.ids(4)
        let full = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 2, maxEpochs: 2))
        let first = full[0]
        let resumed = Self.drawAll(
            PromptSchedule(promptIDs: ids, seed: 2, maxEpochs: 2, consumed: [(epoch: 0, promptID: first.promptID)]))
        #expect(resumed.count == 7)
        #expect(resumed.filter { $0.promptID == first.promptID }.map(\.epoch) == [1])
    }

    @Test func resumeWithEveryPromptConsumedDrawsNothing() {
        let ids = Self.ids(5)
        let full = Self.drawAll(PromptSchedule(promptIDs: ids, seed: 4, maxEpochs: 2))
        var s = PromptSchedule(promptIDs: ids, seed: 4, maxEpochs: 2, consumed: full.map { (epoch: $0.epoch, promptID: $0.promptID) })
        #expect(s.next() == nil)
    }
}
