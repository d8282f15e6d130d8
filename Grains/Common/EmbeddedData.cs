using System.Reflection;

namespace TongBan.Grains.Common;

/// <summary>Reads the public data files embedded in this assembly (see data/README.md).</summary>
public static class EmbeddedData
{
    private static readonly Assembly Assembly = typeof(EmbeddedData).Assembly;

    public static Stream Open(string logicalName) =>
        Assembly.GetManifestResourceStream("TongBan.Data." + logicalName)
        ?? throw new InvalidOperationException($"Embedded data file '{logicalName}' is missing from the build.");

    public static IEnumerable<string> Names(string prefix) =>
        Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("TongBan.Data." + prefix, StringComparison.Ordinal))
            .Select(n => n["TongBan.Data.".Length..]);
}
