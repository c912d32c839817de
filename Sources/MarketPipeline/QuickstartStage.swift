// One stage of `marketgpt quickstart`: its name, what it produced, and whether it ran.
import Foundation

/// What became of one quickstart stage.
public enum QuickstartStageStatus: String, Sendable {
    /// The stage ran and produced its artefacts.
    case done
    /// The stage had nothing to do (e.g. demo data already present) and reused what was there.
    case reused
    /// Part of the stage ran (its artefacts are real); the note names the part this build cannot run yet.
    case partial
    /// The library API this stage needs is not part of this build yet; nothing was produced or faked.
    case unavailable
}

/// The outcome of one stage, for the progress lines, the closing summary and `summary.json`.
public struct QuickstartStageResult {
    /// Stable machine name, e.g. `demo_data`.
    public var name: String
    /// One-line description, e.g. "demo data".
    public var title: String
    public var status: QuickstartStageStatus
    /// Wall time of the stage in seconds.
    public var seconds: Double = 0
    /// Files and folders produced, as (label, path relative to the working folder).
    public var artefacts: [(label: String, path: String)] = []
    /// Key figures, as (label, value); values are numbers or short text.
    public var figures: [(label: String, value: String)] = []
    /// Why a stage was unavailable or reused, or a remark.
    public var note: String = ""

    public init(name: String, title: String, status: QuickstartStageStatus, note: String = "") {
        self.name = name
        self.title = title
        self.status = status
        self.note = note
    }

    /// The JSON object written into `summary.json`.
    public var json: [String: Any] {
        [
            "name": name, "title": title, "status": status.rawValue, "seconds": (seconds * 1000).rounded() / 1000,
            "artefacts": Dictionary(artefacts.map { ($0.label, $0.path) }, uniquingKeysWith: { _, last in last }),
            "figures": Dictionary(figures.map { ($0.label, $0.value) }, uniquingKeysWith: { _, last in last }),
            "note": note,
        ]
    }
}
