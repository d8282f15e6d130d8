using System.Diagnostics;

namespace TongBan.Grains.Tests.Crypto;

/// <summary>The <c>openssl</c> command (OpenSSL 3, installed by test.sh): an implementation of SM2/SM3 independent of BouncyCastle.</summary>
public static class Openssl
{
    public static async Task<(int ExitCode, string Output)> Run(string workDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = workDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start (test.sh installs it)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>GB/T 35276 verification as the issue names it: SM2 over SM3 with distinguishing id 1234567812345678, DER signature.</summary>
    public static Task<(int ExitCode, string Output)> VerifySm2(string directory, string publicKeyPem, string payload, string signatureDer) =>
        Run(directory, "pkeyutl", "-verify", "-pubin", "-inkey", publicKeyPem, "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", payload, "-sigfile", signatureDer);

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "tongban-openssl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
