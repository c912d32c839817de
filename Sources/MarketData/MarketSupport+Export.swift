// MarketData hands its users the foundations it is built on (civil dates, atomic writes, the seeded
// generators, strict YAML): `import MarketData` keeps giving `CivilDate`, `DayNumber` and `AtomicFile`,
// which lived here before they moved down to MarketSupport.
@_exported import MarketSupport
