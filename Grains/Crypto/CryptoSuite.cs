namespace TongBan.Grains.Crypto;

/// <summary>Which algorithms new signatures, chain entries, MACs and sealed values use; what was written before keeps verifying.</summary>
public enum CryptoSuite
{
    /// <summary>商用密码: SM2 (GB/T 32918) with SM3 (GB/T 32905), SM4 (GB/T 32907).</summary>
    Sm,

    /// <summary>ECDSA P-256 with SHA-256, SHA-256, AES-256-GCM, HMAC-SHA256.</summary>
    International,
}

/// <summary>Configuration section <c>TongBan:Crypto</c>.</summary>
public sealed class CryptoOptions
{
    public const string Section = "TongBan:Crypto";

    /// <summary><c>sm</c> (default) or <c>international</c>.</summary>
    public string Suite { get; set; } = "sm";

    /// <summary>The parsed suite; throws <see cref="ArgumentException"/> naming the key and the allowed values.</summary>
    public CryptoSuite Parsed() => Parse(Suite);

    public static CryptoSuite Parse(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "SM" => CryptoSuite.Sm,
        "INTERNATIONAL" => CryptoSuite.International,
        _ => throw new ArgumentException($"{Section}:{nameof(Suite)} must be sm or international, got '{value}'."),
    };

    public static CryptoOptions Sm() => new();

    public static CryptoOptions International() => new() { Suite = "international" };
}
