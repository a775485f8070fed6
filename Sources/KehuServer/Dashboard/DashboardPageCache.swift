import KehuStore
import Synchronization

/// Drawn dashboard pages, kept per workspace for as long as its snapshot stays the same.
///
/// An analysis page is a function of the snapshot and the request's query: the overview at 10M
/// events computes AIPL, FAST, the visitor view and the nine metrics (about 60 ms), and the same
/// page for the same snapshot and query is the same HTML. So a page is drawn once per snapshot
/// and query, and later views are served from here. Only pages drawn from the snapshot and the
/// query alone are kept (``DashboardPage/isSnapshotOnly``): plans, campaigns, audiences, reach and
/// members also read stores the snapshot does not version, and are drawn every time.
///
/// A new snapshot (the data version moved) drops the workspace's pages on its first request. The
/// cache holds its snapshot weakly, so it never keeps an old snapshot's columns alive.
final class DashboardPageCache: Sendable {
    struct Page: Sendable {
        let html: String
        let failed: Bool
    }

    private final class Held: @unchecked Sendable {
        // Only read and written under `state`'s lock.
        weak var snapshot: Snapshot?
        var pages: [String: Page] = [:]
        /// Keys, oldest first, for dropping the oldest past `capacity`.
        var order: [String] = []
        init(_ snapshot: Snapshot) { self.snapshot = snapshot }
    }

    private struct State: ~Copyable {
        var workspaces: [String: Held] = [:]
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())
    /// Pages kept per workspace.
    let capacity: Int

    init(capacity: Int = 64) { self.capacity = capacity }

    /// The page drawn for `key` on `snapshot`, if there is one; counts a hit or a miss.
    func page(workspace: String, snapshot: Snapshot, key: String) -> Page? {
        state.withLock { state in
            guard let held = state.workspaces[workspace], held.snapshot === snapshot, let page = held.pages[key] else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            return page
        }
    }

    /// Keeps `page` for `key` on `snapshot`, dropping the workspace's pages of any other snapshot.
    func store(_ page: Page, workspace: String, snapshot: Snapshot, key: String) {
        state.withLock { state in
            let held: Held
            if let current = state.workspaces[workspace], current.snapshot === snapshot {
                held = current
            } else {
                held = Held(snapshot)
                state.workspaces[workspace] = held
            }
            if held.pages.updateValue(page, forKey: key) == nil { held.order.append(key) }
            while held.order.count > capacity { held.pages[held.order.removeFirst()] = nil }
        }
    }

    /// Views served from the cache and views drawn (for tests and diagnostics).
    var statistics: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }
}

extension DashboardPage {
    /// Whether the page is drawn from the snapshot and the query alone (so it can be cached per snapshot).
    var isSnapshotOnly: Bool {
        switch self {
        case .overview, .aipl, .funnel, .retention, .rfm, .channels, .clv: true
        case .plan, .campaigns, .audiences, .reach, .members, .analyses: false
        }
    }
}

extension DashboardQuery {
    /// The page, the language and every query value, in one string: equal keys, equal pages.
    func cacheKey(_ page: DashboardPage) -> String {
        ([page.rawValue, language.rawValue] + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            .joined(separator: "\u{1F}")
    }
}
