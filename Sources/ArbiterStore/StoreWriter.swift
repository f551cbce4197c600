import ArbiterCore

/// Buffers completed groups and writes them to a `RewardStore` in batched transactions, off the
/// scheduling path, with bounded memory.
///
/// - `append` returns as soon as the group is buffered; it suspends only while the buffer is
///   full (`maxBufferedRows` rows buffered or being written): that is the backpressure.
/// - A flush (one `appendGroups` call, one transaction) starts when `flushRows` rows are
///   buffered or `flushInterval` after the first buffered group, whichever comes first; up to
///   `maxConcurrentFlushes` run at once, so encoding and hashing of one overlap the database
///   writes of the previous.
/// - `commitStep` flushes everything, then seals the step.
/// - A failed flush is sticky: its groups are not written (the transaction rolled back, so no
///   partial group is visible) and every later call throws `StoreError.Code.writerClosed` naming the cause.
public actor StoreWriter {
    /// Tuning.
    public struct Options: Sendable {
        /// Most rows buffered or in flight before `append` suspends.
        public var maxBufferedRows: Int
        /// Rows that trigger a flush.
        public var flushRows: Int
        /// Longest a buffered group waits for a flush.
        public var flushInterval: Duration
        /// Flushes in flight at once.
        public var maxConcurrentFlushes: Int

        /// Creates options.
        public init(
            maxBufferedRows: Int = 200_000, flushRows: Int = 20_000, flushInterval: Duration = .milliseconds(200),
            maxConcurrentFlushes: Int = 2
        ) {
            self.maxBufferedRows = max(1, maxBufferedRows)
            self.flushRows = max(1, min(flushRows, maxBufferedRows))
            self.flushInterval = flushInterval
            self.maxConcurrentFlushes = max(1, maxConcurrentFlushes)
        }
    }

    /// Counters.
    public struct Statistics: Sendable, Hashable {
        /// Groups written.
        public var groupsWritten = 0
        /// Rows written.
        public var rowsWritten = 0
        /// Transactions.
        public var flushes = 0
        /// Times `append` had to wait for room.
        public var backpressureWaits = 0
        /// Most rows buffered or in flight at once.
        public var peakRows = 0
    }

    private let store: any RewardStore
    private let options: Options
    private var buffer: [GroupRecord] = []
    private var bufferedRows = 0
    private var inFlightRows = 0
    private var inFlight = 0
    private var roomWaiters: [CheckedContinuation<Void, Never>] = []
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    private var failure: String?
    private var closed = false
    private var timer: Task<Void, Never>?
    private var statistics = Statistics()

    /// Creates a writer over a store.
    public init(store: any RewardStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Counters so far.
    public var stats: Statistics { statistics }

    /// Rows buffered or being written now.
    public var pendingRows: Int { bufferedRows + inFlightRows }

    private func checkOpen() throws(StoreError) {
        if let failure { throw StoreError(.writerClosed, "an earlier write failed: \(failure)") }
        if closed { throw StoreError(.writerClosed, "the writer is closed") }
    }

    /// Buffers a completed group; suspends while the buffer is full.
    public func append(_ group: GroupRecord) async throws {
        try checkOpen()
        let rows = group.rowCount
        var waited = false
        while pendingRows > 0 && pendingRows + rows > options.maxBufferedRows {
            if !waited {
                statistics.backpressureWaits += 1
                waited = true
            }
            startFlushes(force: true)
            await withCheckedContinuation { roomWaiters.append($0) }
            try checkOpen()
        }
        buffer.append(group)
        bufferedRows += rows
        statistics.peakRows = max(statistics.peakRows, pendingRows)
        if bufferedRows >= options.flushRows {
            startFlushes(force: false)
        } else if timer == nil {
            let interval = options.flushInterval
            timer = Task { [weak self] in
                try? await Task.sleep(for: interval)
                await self?.timerFired()
            }
        }
    }

    /// Buffers several groups in order.
    public func append(contentsOf groups: [GroupRecord]) async throws {
        for g in groups { try await append(g) }
    }

    /// Waits until everything buffered so far is written.
    public func flush() async throws {
        try checkOpen()
        while !(buffer.isEmpty && inFlight == 0) {
            startFlushes(force: true)
            await withCheckedContinuation { drainWaiters.append($0) }
            try checkOpen()
        }
    }

    /// Flushes, then commits the step.
    public func commitStep(runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double) async throws -> StepRecord {
        try await flush()
        return try await store.commitStep(runID: runID, step: step, policyVersion: policyVersion, committedAt: committedAt)
    }

    /// Flushes, then appends batches (they follow their groups).
    public func appendBatches(_ batches: [BatchRecord]) async throws {
        try await flush()
        try await store.appendBatches(batches)
    }

    /// Appends events directly (they are not part of groups).
    public func appendEvents(_ events: [EventRecord]) async throws {
        try checkOpen()
        try await store.appendEvents(events)
    }

    /// Flushes and refuses further writes.
    public func close() async throws {
        defer {
            closed = true
            timer?.cancel()
            timer = nil
        }
        if !closed && failure == nil { try await flush() }
        if let failure { throw StoreError(.writerClosed, "an earlier write failed: \(failure)") }
    }

    private func timerFired() {
        timer = nil
        startFlushes(force: true)
    }

    private func startFlushes(force: Bool) {
        while inFlight < options.maxConcurrentFlushes, !buffer.isEmpty, failure == nil,
            force || bufferedRows >= options.flushRows
        {
            // Take whole groups up to `flushRows` rows (at least one).
            var taken = 0
            var rows = 0
            while taken < buffer.count && (taken == 0 || rows + buffer[taken].rowCount <= options.flushRows) {
                rows += buffer[taken].rowCount
                taken += 1
            }
            let batch = Array(buffer.prefix(taken))
            buffer.removeFirst(taken)
            bufferedRows -= rows
            inFlightRows += rows
            inFlight += 1
            let store = self.store
            Task {
                do {
                    try await store.appendGroups(batch)
                    self.flushFinished(groups: batch.count, rows: rows, error: nil)
                } catch {
                    self.flushFinished(groups: batch.count, rows: rows, error: error)
                }
            }
        }
    }

    private func flushFinished(groups: Int, rows: Int, error: (any Error)?) {
        inFlight -= 1
        inFlightRows -= rows
        if let error {
            if failure == nil { failure = "\(error)" }
        } else {
            statistics.groupsWritten += groups
            statistics.rowsWritten += rows
            statistics.flushes += 1
        }
        let room = roomWaiters
        roomWaiters = []
        for w in room { w.resume() }
        if failure == nil && !buffer.isEmpty {
            startFlushes(force: !drainWaiters.isEmpty || !room.isEmpty || timer == nil)
        }
        if failure != nil || (buffer.isEmpty && inFlight == 0) {
            let drained = drainWaiters
            drainWaiters = []
            for w in drained { w.resume() }
        }
    }
}
