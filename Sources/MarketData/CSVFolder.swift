// The input files of a CSV reader given a file or a folder: the file itself, or the folder's *.csv sorted by name.
import Foundation

/// Resolves the `--signals` / `--weights` style inputs that accept one CSV file or a folder of them.
public enum CSVFolder {
    /// `[url]` for a file; every non-hidden `*.csv` of a folder, sorted by name. Throws `DataError` when the path is
    /// missing, the folder cannot be listed, or it holds no CSV (`kind` names the files, e.g. "signal").
    public static func files(_ url: URL, kind: String) throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DataError(file: url.path, reason: "no such file or folder")
        }
        guard isFolder.boolValue else { return [url] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
                .filter { $0.lowercased().hasSuffix(".csv") && !$0.hasPrefix(".") }.sorted()
        } catch {
            throw DataError(file: url.path, reason: "cannot list folder (\(error.localizedDescription))")
        }
        guard !names.isEmpty else { throw DataError(file: url.path, reason: "folder holds no .csv \(kind) files") }
        return names.map { url.appendingPathComponent($0) }
    }
}
