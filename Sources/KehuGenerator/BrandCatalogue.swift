/// The simulated brand's products: a beauty brand with a few hero SKUs and a long tail.
public struct BrandCatalogue: Sendable, Hashable {
    /// One product (SKU) with its category and list price.
    public struct Product: Sendable, Hashable {
        /// `SKU0001` ...
        public let sku: String
        /// One of ``BrandCatalogue/categories``.
        public let category: String
        /// The list price (吊牌价) in fen; purchases are at or below it per unit.
        public let listPriceFen: Int64
    }

    /// The categories, in a fixed order.
    public static let categories = ["skincare", "makeup", "bodycare", "fragrance", "gift_set"]

    /// Products in SKU order (`products[i].sku` is `SKU` + `i + 1`, four digits).
    public let products: [Product]

    /// Per product, the index of its category in ``categories``.
    let categoryIndex: [Int]
    /// Cumulative popularity over all products (hero SKUs first in weight, not in order).
    let popularity: [Double]
    /// Per category, the product indices and their cumulative popularity.
    let productsByCategory: [[Int]]
    let popularityByCategory: [[Double]]

    /// SKU counts and price points (yuan) per category, in ``categories`` order.
    private static let shape: [(count: Int, prices: [Int64])] = [
        (14, [129, 169, 199, 259, 299, 359, 459, 599, 799, 899]),
        (12, [89, 119, 149, 179, 219, 259, 299, 399]),
        (8, [49, 69, 89, 109, 139, 169, 199]),
        (6, [299, 399, 499, 699, 899, 1_199]),
        (4, [399, 599, 799, 1_099, 1_599]),
    ]

    /// The catalogue for a seed: prices and popularity differ between seeds, the shape does not.
    init(seed: UInt64) {
        var rng = Xoshiro256StarStar(seed: SplitMix64.mix(seed ^ 0x6361_7461_6C6F_6775))
        var products: [Product] = []
        var categoryIndex: [Int] = []
        for (c, shape) in Self.shape.enumerated() {
            for _ in 0..<shape.count {
                let number = products.count + 1
                let digits = String(number)
                let sku = "SKU" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
                let price = shape.prices[rng.below(shape.prices.count)] * 100
                products.append(Product(sku: sku, category: Self.categories[c], listPriceFen: price))
                categoryIndex.append(c)
            }
        }
        // Zipf-like popularity over a random ranking: a few hero SKUs (爆品) sell most.
        var ranks = Array(0..<products.count)
        for i in stride(from: ranks.count - 1, to: 0, by: -1) { ranks.swapAt(i, rng.below(i + 1)) }
        var weight = [Double](repeating: 0, count: products.count)
        for (rank, product) in ranks.enumerated() { weight[product] = 1 / (Double(rank) + 1.5) }
        self.products = products
        self.categoryIndex = categoryIndex
        popularity = Self.cumulative(weight)
        var byCategory: [[Int]] = Array(repeating: [], count: Self.categories.count)
        for (p, c) in categoryIndex.enumerated() { byCategory[c].append(p) }
        productsByCategory = byCategory
        popularityByCategory = byCategory.map { members in Self.cumulative(members.map { weight[$0] }) }
    }

    static func cumulative(_ weights: [Double]) -> [Double] {
        var total = 0.0
        var result: [Double] = []
        result.reserveCapacity(weights.count)
        for w in weights {
            total += w
            result.append(total)
        }
        return result.map { $0 / total }
    }

    /// The index whose cumulative weight first exceeds `u` (u in [0, 1)).
    @inline(__always)
    static func pick(_ cumulative: [Double], _ u: Double) -> Int {
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > u { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// A product, from `category` when given, weighted by popularity.
    func pickProduct(category: Int?, _ rng: inout Xoshiro256StarStar) -> Int {
        if let category {
            return productsByCategory[category][Self.pick(popularityByCategory[category], rng.unit())]
        }
        return Self.pick(popularity, rng.unit())
    }
}
