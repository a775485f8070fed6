import Foundation
import KehuModel

/// How Segment messages become Kehu events in one workspace: which event names are which kinds,
/// and the channel of events that name none.
///
/// The defaults follow the Segment e-commerce spec; a workspace can add or override names in
/// `DATA/WORKSPACE/segment-mapping.json`:
/// ```json
/// {"events": {"Live Stream Watched": "content_view", "Order Completed": "pay"}, "defaultChannel": "web"}
/// ```
/// Kehu's own kind names (`cart`, `pay`, `加购` ...) are always accepted as event names.
public struct SegmentMapping: Sendable, Hashable {
    /// Event name → kind. `Order Completed` → `pay` also records an `order` event.
    public var events: [String: EventKind]
    /// The channel of events with neither `properties.channel` nor `context.channel`, before the
    /// library rule (analytics.js → `web`, mobile SDKs → `app`).
    public var defaultChannel: String?

    public init(events: [String: EventKind] = SegmentMapping.defaultEvents, defaultChannel: String? = nil) {
        self.events = events
        self.defaultChannel = defaultChannel
    }

    /// The Segment e-commerce spec names and their kinds.
    public static let defaultEvents: [String: EventKind] = [
        "Products Searched": .categorySearch,
        "Product List Viewed": .categorySearch,
        "Product List Filtered": .categorySearch,
        "Promotion Viewed": .impression,
        "Promotion Clicked": .click,
        "Product Clicked": .click,
        "Product Viewed": .view,
        "Product Added": .cart,
        "Product Added to Wishlist": .favorite,
        "Wishlist Product Added to Cart": .cart,
        "Order Completed": .pay,
        "Order Refunded": .refund,
        "Coupon Applied": .couponClaim,
        "Product Reviewed": .review,
        "Product Shared": .share,
        "Cart Shared": .share,
        "Signed Up": .memberJoin,
        "Video Playback Started": .contentView,
        "Content Viewed": .contentView,
    ]

    /// The kind of a track event's name: the workspace table, then Kehu kind names; nil for a
    /// name neither knows (such events are acknowledged and not stored).
    public func kind(ofEvent name: String) -> EventKind? {
        events[name] ?? EventKind(name: name)
    }

    /// The file a workspace's mapping is read from.
    public static let fileName = "segment-mapping.json"

    /// The defaults with the workspace file's entries applied.
    static func load(workspaceDirectory: String) throws(SegmentMappingError) -> SegmentMapping {
        let path = workspaceDirectory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else { return SegmentMapping() }
        struct File: Decodable {
            var events: [String: String]?
            var defaultChannel: String?
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .init(path: path, reason: "not a JSON object with \"events\" and \"defaultChannel\" (\(error))")
        }
        var mapping = SegmentMapping(defaultChannel: file.defaultChannel)
        for (name, kindName) in file.events ?? [:] {
            guard let kind = EventKind(name: kindName) else {
                throw .init(path: path, reason: "event '\(name)' maps to unknown kind '\(kindName)' (expected one of \(EventKind.allNames))")
            }
            mapping.events[name] = kind
        }
        return mapping
    }
}

/// A workspace's `segment-mapping.json` could not be read.
public struct SegmentMappingError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
