import ArbiterCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An ``OutboxStore`` in one folder: survives process restarts and crashes.
///
/// Each batch is two files named by its sequence number: `<seq>.payload` (the request body, written
/// once) and `<seq>.meta.json` (one JSON line: id, step, state, attempts, acknowledgement or
/// rejection). Every write goes to a temporary file that is fsync'd, renamed over the target, and
/// followed by an fsync of the folder, so after a crash each file is either its old or its new
/// content. A batch counts as enqueued once its meta file exists; opening the store removes
/// temporary files and payloads whose meta never landed. Delivered batches keep their meta line
/// (so a re-enqueue of a delivered id is a no-op) and lose their payload.
///
/// File I/O is synchronous and small (a meta line per state change); one store per folder and process.
public actor FileOutboxStore: OutboxStore {
    /// The folder.
    public nonisolated let directory: URL
    private var index: [String: OutboxRecord] = [:]
    private var nextSequence: Int64 = 1

    /// Opens (creating if needed) the store in `directory` and recovers from an interrupted write.
    public init(directory: URL) throws {
        self.directory = directory
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainerError(.storeFailure, "cannot create outbox folder: \(error)", context: directory.path)
        }
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw TrainerError(.storeFailure, "cannot list outbox folder: \(error)", context: directory.path)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        var index: [String: OutboxRecord] = [:]
        var payloads: Set<String> = []
        var maxSequence: Int64 = 0
        for name in names {
            let path = directory.appendingPathComponent(name).path
            if name.hasSuffix(".tmp") {
                try? fm.removeItem(atPath: path)
            } else if name.hasSuffix(Self.payloadSuffix) {
                payloads.insert(String(name.dropLast(Self.payloadSuffix.count)))
            } else if name.hasSuffix(Self.metaSuffix) {
                let data: Data
                let record: OutboxRecord
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: path))
                    record = try decoder.decode(OutboxRecord.self, from: data)
                } catch {
                    throw TrainerError(.storeFailure, "unreadable outbox record: \(error)", context: path)
                }
                if let other = index[record.batchID] {
                    throw TrainerError(
                        .storeFailure, "batch \(record.batchID) recorded twice (sequences \(other.sequence) and \(record.sequence))",
                        context: path)
                }
                index[record.batchID] = record
                maxSequence = max(maxSequence, record.sequence)
            }
        }
        let recorded = Dictionary(uniqueKeysWithValues: index.values.map { (Self.stem($0.sequence), $0) })
        for stem in payloads {
            // A payload without a meta line is an enqueue that never completed; a delivered batch's
            // payload is garbage whose removal was interrupted.
            guard let record = recorded[stem], record.state != .delivered else {
                try? fm.removeItem(atPath: directory.appendingPathComponent(stem + Self.payloadSuffix).path)
                continue
            }
        }
        for record in index.values where record.state != .delivered && !payloads.contains(Self.stem(record.sequence)) {
            throw TrainerError(
                .storeFailure, "batch \(record.batchID) is \(record.state.rawValue) but its payload file is missing",
                context: directory.appendingPathComponent(Self.stem(record.sequence) + Self.payloadSuffix).path)
        }
        self.index = index
        self.nextSequence = maxSequence + 1
    }

    public func enqueue(batchID: String, step: Int, payload: Data) throws -> Bool {
        guard index[batchID] == nil else { return false }
        let record = OutboxRecord(sequence: nextSequence, batchID: batchID, step: step, payload: Data())
        try persist(payload, name: Self.stem(record.sequence) + Self.payloadSuffix)
        try persistMeta(record)
        index[batchID] = record
        nextSequence += 1
        return true
    }

    public func pending() throws -> [OutboxRecord] { try records(in: .pending) }

    public func rejected() throws -> [OutboxRecord] { try records(in: .rejected) }

    public func recordAttempt(batchID: String, error: String) throws {
        try update(batchID) {
            $0.attempts += 1
            $0.lastError = error
        }
    }

    public func markDelivered(batchID: String, policyVersion: PolicyVersion) throws {
        let record = try update(batchID) {
            $0.state = .delivered
            $0.acknowledgedVersion = policyVersion
        }
        // The meta line is durable; the payload is garbage now (and removed on open if this is lost).
        _ = unlink(payloadURL(record.sequence).path)
    }

    public func markRejected(batchID: String, status: Int, message: String) throws {
        try update(batchID) {
            $0.state = .rejected
            $0.rejectionStatus = status
            $0.rejectionMessage = message
        }
    }

    public func requeue(batchID: String) throws {
        guard let record = index[batchID] else { throw Self.unknownBatch(batchID) }
        guard record.state == .rejected else { return }
        try update(batchID) {
            $0.state = .pending
            $0.rejectionStatus = nil
            $0.rejectionMessage = nil
        }
    }

    // MARK: - Files

    static let metaSuffix = ".meta.json"
    static let payloadSuffix = ".payload"

    static func stem(_ sequence: Int64) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    private func payloadURL(_ sequence: Int64) -> URL {
        directory.appendingPathComponent(Self.stem(sequence) + Self.payloadSuffix)
    }

    private func records(in state: OutboxRecord.State) throws -> [OutboxRecord] {
        try index.values.filter { $0.state == state }.sorted { $0.sequence < $1.sequence }.map { record in
            var record = record
            do {
                record.payload = try Data(contentsOf: payloadURL(record.sequence))
            } catch {
                throw TrainerError(.storeFailure, "cannot read payload: \(error)", context: payloadURL(record.sequence).path)
            }
            return record
        }
    }

    @discardableResult
    private func update(_ batchID: String, _ change: (inout OutboxRecord) -> Void) throws -> OutboxRecord {
        guard var record = index[batchID] else { throw Self.unknownBatch(batchID) }
        change(&record)
        try persistMeta(record)
        index[batchID] = record
        return record
    }

    private func persistMeta(_ record: OutboxRecord) throws {
        var record = record
        record.payload = Data()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        var line: Data
        do {
            line = try encoder.encode(record)
        } catch {
            throw TrainerError(.storeFailure, "cannot encode outbox record: \(error)", context: "batch \(record.batchID)")
        }
        line.append(UInt8(ascii: "\n"))
        try persist(line, name: Self.stem(record.sequence) + Self.metaSuffix)
    }

    /// Writes `data` to `name` atomically and durably: temp file, fsync, rename, fsync of the folder.
    private func persist(_ data: Data, name: String) throws {
        let target = directory.appendingPathComponent(name).path
        let temporary = directory.appendingPathComponent(".\(name).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.posixError("open", temporary) }
        do {
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw Self.posixError("write", temporary)
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw Self.posixError("fsync", temporary) }
        } catch {
            close(fd)
            _ = unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else { throw Self.posixError("close", temporary) }
        guard rename(temporary, target) == 0 else {
            let error = Self.posixError("rename", target)
            _ = unlink(temporary)
            throw error
        }
        try syncDirectory()
    }

    private func syncDirectory() throws {
        let fd = open(directory.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.posixError("open", directory.path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Self.posixError("fsync", directory.path) }
    }

    private static func posixError(_ operation: String, _ path: String) -> TrainerError {
        let code = errno
        return TrainerError(.storeFailure, "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))", context: path)
    }
}
