// The demo universe compiled into the binary, so `marketgpt quickstart` runs with no files at all.

/// The embedded demo universe: byte for byte `universes/demo.yaml` (a test checks that they agree).
public enum EmbeddedDemoUniverse {
    /// The YAML text of `universes/demo.yaml`.
    public static let yaml = #"""
# Demo universe for `marketgpt quickstart`: 30 real tickers over the six categories, short histories.
# Prices for it are synthetic (`marketgpt demo-data`); see README "Quickstart".
name: demo
bar: 1d
categories:
  - name: us_stocks
    batch_weight: 0.40
    trading_days_per_year: 252
    history_years: 6
    assets:
      - {ticker: "AAPL", name: "Apple", group: "Technology"}
      - {ticker: "MSFT", name: "Microsoft", group: "Technology"}
      - {ticker: "NVDA", name: "NVIDIA", group: "Technology"}
      - {ticker: "JPM", name: "JPMorgan Chase", group: "Financials"}
      - {ticker: "GS", name: "Goldman Sachs", group: "Financials"}
      - {ticker: "JNJ", name: "Johnson & Johnson", group: "Healthcare"}
      - {ticker: "PG", name: "Procter & Gamble", group: "Consumer"}
      - {ticker: "AMZN", name: "Amazon", group: "Consumer"}
      - {ticker: "CAT", name: "Caterpillar", group: "Industrials"}
      - {ticker: "XOM", name: "Exxon Mobil", group: "Energy"}
  - name: europe_stocks
    batch_weight: 0.20
    trading_days_per_year: 250
    history_years: 6
    assets:
      - {ticker: "ASML.AS", name: "ASML Holding", group: "Netherlands"}
      - {ticker: "SAP.DE", name: "SAP", group: "Germany"}
      - {ticker: "MC.PA", name: "LVMH", group: "France"}
      - {ticker: "NESN.SW", name: "Nestle", group: "Switzerland"}
      - {ticker: "HSBA.L", name: "HSBC Holdings", group: "UK"}
  - name: emerging
    batch_weight: 0.15
    trading_days_per_year: 250
    history_years: 6
    assets:
      - {ticker: "RELIANCE.NS", name: "Reliance Industries", group: "India"}
      - {ticker: "TCS.NS", name: "Tata Consultancy Services", group: "India"}
      - {ticker: "0700.HK", name: "Tencent", group: "China"}
      - {ticker: "VALE3.SA", name: "Vale", group: "Brazil"}
  - name: commodities
    batch_weight: 0.10
    trading_days_per_year: 252
    history_years: 6
    assets:
      - {ticker: "GC=F", name: "Gold futures", group: "precious_metals"}
      - {ticker: "CL=F", name: "WTI crude oil futures", group: "energy"}
      - {ticker: "HG=F", name: "Copper futures", group: "industrial_metals"}
      - {ticker: "ZC=F", name: "Corn futures", group: "agriculture"}
  - name: crypto
    batch_weight: 0.10
    trading_days_per_year: 365
    history_years: 6
    assets:
      - {ticker: "BTC-USD", name: "Bitcoin", group: "layer1"}
      - {ticker: "ETH-USD", name: "Ethereum", group: "layer1"}
      - {ticker: "BNB-USD", name: "BNB", group: "exchange"}
      - {ticker: "SOL-USD", name: "Solana", group: "layer1"}
  - name: forex
    batch_weight: 0.05
    trading_days_per_year: 260
    history_years: 6
    assets:
      - {ticker: "EURUSD=X", name: "Euro / US dollar", group: "majors"}
      - {ticker: "USDJPY=X", name: "US dollar / Japanese yen", group: "majors"}
      - {ticker: "GBPUSD=X", name: "British pound / US dollar", group: "majors"}
"""#
}
