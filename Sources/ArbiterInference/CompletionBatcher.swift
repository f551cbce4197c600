import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Collects the attempt completions that arrive during one event-loop tick and hands them to
/// the scheduler as one event.
///
/// Yielding every completion on its own woke the scheduler's task once per response (a thread
/// switch each time it had caught up); batching per tick wakes it once per tick. Each loop has
/// its own buffer, touched only on that loop; a completion reported off any loop of the group
/// is passed on at once.
final class CompletionBatcher<Event: Sendable>: Sendable {
    /// One loop's pending completions (confined to that loop).
    private final class Buffer: @unchecked Sendable {
        var items: [Event] = []
        var flushScheduled = false
    }

    private let buffers: [ObjectIdentifier: Buffer]
    private let deliver: @Sendable ([Event]) -> Void

    /// Creates a batcher for the loops of `group`; `deliver` receives each tick's completions.
    init(group: any EventLoopGroup, deliver: @escaping @Sendable ([Event]) -> Void) {
        var buffers: [ObjectIdentifier: Buffer] = [:]
        for loop in group.makeIterator() { buffers[ObjectIdentifier(loop)] = Buffer() }
        self.buffers = buffers
        self.deliver = deliver
    }

    /// Reports one completion; call from any thread.
    func add(_ event: Event) {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop, let buffer = buffers[ObjectIdentifier(loop)] else {
            deliver([event])
            return
        }
        buffer.items.append(event)
        guard !buffer.flushScheduled else { return }
        buffer.flushScheduled = true
        // Runs after the loop has handled this tick's I/O: no wake-up, one delivery per tick.
        loop.execute { [deliver] in
            buffer.flushScheduled = false
            let items = buffer.items
            buffer.items.removeAll(keepingCapacity: true)
            deliver(items)
        }
    }
}
