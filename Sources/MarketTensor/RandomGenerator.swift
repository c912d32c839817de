// The tensor-side name of the package's seeded generator (dropout, initialisation): one family, one type.
import MarketSupport

/// The seeded xoshiro256** generator of `MarketSupport` (`SeededRandom`); `RandomGenerator(seed: s)` is
/// stream 0 of seed `s`, exactly the stream this name has always produced.
public typealias RandomGenerator = SeededRandom
