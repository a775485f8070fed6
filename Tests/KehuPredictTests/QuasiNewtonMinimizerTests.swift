import Testing
@testable import KehuPredict

@Suite struct QuasiNewtonMinimizerTests {
    /// Rosenbrock's valley, f = (1 - x)² + 100 (y - x²)², minimum 0 at (1, 1); the classic start
    /// (-1.2, 1) needs a line search that follows the curved valley.
    @Test func findsRosenbrockMinimum() {
        let minimizer = QuasiNewtonMinimizer(gradientTolerance: 1e-10, maximumIterations: 200)
        let outcome = minimizer.minimize(from: [-1.2, 1]) { point, gradient in
            let x = point[0], y = point[1]
            gradient[0] = -2 * (1 - x) - 400 * x * (y - x * x)
            gradient[1] = 200 * (y - x * x)
            return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
        }
        #expect(outcome.convergence == .converged)
        #expect(abs(outcome.point[0] - 1) < 1e-8 && abs(outcome.point[1] - 1) < 1e-8)
        #expect(outcome.iterations < 60)
    }

    /// A region where the objective is undefined (returns non-finite) is stepped around:
    /// f = x - ln x, minimum at x = 1, undefined for x ≤ 0, starting where the first full step
    /// would land at x < 0.
    @Test func backsOffFromUndefinedRegion() {
        let minimizer = QuasiNewtonMinimizer(gradientTolerance: 1e-12, maximumIterations: 100)
        let outcome = minimizer.minimize(from: [0.05]) { point, gradient in
            let x = point[0]
            guard x > 0 else { return .nan }
            gradient[0] = 1 - 1 / x
            return x - log(x)
        }
        #expect(outcome.convergence == .converged)
        #expect(abs(outcome.point[0] - 1) < 1e-10)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
