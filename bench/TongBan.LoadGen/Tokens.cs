using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TongBan.LoadGen;

/// <summary>
/// HS256 bearer tokens minted in-process with the cluster's signing key, as the province's identity service would
/// issue them (PostgreSQL mode has no development token endpoint): issuer <c>tongban</c>, audience <c>tongban-api</c>.
/// </summary>
public sealed class Tokens(string signingKey, string issuer = "tongban", string audience = "tongban-api")
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(signingKey);

    public string Mint(string role, string subject, IReadOnlyDictionary<string, string>? claims = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["role"] = role,
            ["iat"] = now,
            ["nbf"] = now - 5,
            ["exp"] = now + 4 * 3600,
        };
        foreach (var (type, value) in claims ?? new Dictionary<string, string>())
        {
            payload[type] = value;
        }

        var head = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{head}.{body}")));
        return $"{head}.{body}.{signature}";
    }

    public string Admin() => Mint("admin", "loadgen-admin");

    public string Clerk(string hallCode, int windowNo) => Mint("clerk", $"lg-clerk-{hallCode}-{windowNo}", new Dictionary<string, string>
    {
        ["hallCode"] = hallCode,
        ["windowNo"] = windowNo.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public string Citizen(string idNumber) => Mint("citizen", idNumber);

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Resident ID numbers (GB 11643) with a valid check character, for synthetic applicants.</summary>
public static class ResidentIds
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    public static string Make(int n)
    {
        // Guiyang Nanming (520102), born 1970–1999, a sequence number from n.
        var first17 = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"520102{1970 + (n % 30)}{1 + (n / 30 % 12):00}{1 + (n / 360 % 28):00}{n % 1000:000}");
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }

        return first17 + "10X98765432"[sum % 11];
    }
}
