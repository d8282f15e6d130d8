using System.Diagnostics;
using System.Text;
using TongBan.Grains.Cases;
using TongBan.Grains.Crypto;
using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;
using TongBan.Grains.Seals;

namespace TongBan.CaseBench;

/// <summary>
/// <c>--crypto</c>: the old (international) and new (商用密码) algorithms side by side in one run, single-threaded,
/// operations per second: seal sign/verify, audit link, personal-data seal/open, keyed hash, rating token, seal-key open. docs/PERFORMANCE.md has the figures.
/// </summary>
internal static class CryptoBench
{
    public static void Run()
    {
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
        Console.WriteLine($"{"operation",-34} {"international",14} {"sm",14} {"sm / intl",10}");

        // A decision document of the usual size (the canonical JSON a seal signs).
        var payload = Encoding.UTF8.GetBytes(
            "{\"documentNo\":\"GZ5201022611270000011-JD\",\"caseNo\":\"GZ5201022611270000011\",\"itemCode\":\"rsj-001\",\"itemName\":\"社会保障卡申领\",\"approved\":true,\"reason\":null," +
            "\"decidedAt\":\"2026-11-27T10:00:00+08:00\",\"departmentCode\":\"rsj\",\"regionCode\":\"520102\",\"authority\":\"南明区人力资源和社会保障局\",\"applicantName\":\"张*\"," +
            "\"issuedAt\":\"2026-11-27T10:00:01+08:00\",\"keyId\":\"rsj/520102/1\",\"algorithm\":\"SM2-SM3\"}");
        var signers = new Dictionary<string, (ISealSigner Signer, byte[] PublicKey, string Signature)>();
        foreach (var algorithm in new[] { SealAlgorithms.Es256, SealAlgorithms.Sm2Sm3 })
        {
            var (publicKey, privateKey) = SealSignatures.NewKeyPair(algorithm);
            var signer = SealSignatures.Open(algorithm, privateKey);
            signers[algorithm] = (signer, publicKey, Convert.ToBase64String(signer.Sign(payload)));
        }

        Row("seal sign (ES256 | SM2-SM3)", () => signers[SealAlgorithms.Es256].Signer.Sign(payload), () => signers[SealAlgorithms.Sm2Sm3].Signer.Sign(payload));
        Row("seal verify (ES256 | SM2-SM3)",
            () => SealSignatures.Verify(SealAlgorithms.Es256, signers[SealAlgorithms.Es256].PublicKey, payload, signers[SealAlgorithms.Es256].Signature),
            () => SealSignatures.Verify(SealAlgorithms.Sm2Sm3, signers[SealAlgorithms.Sm2Sm3].PublicKey, payload, signers[SealAlgorithms.Sm2Sm3].Signature));

        // An audit entry of a case transition (about the size CaseWorkload's entries have).
        var canonical = Encoding.UTF8.GetString(payload) + Encoding.UTF8.GetString(payload)[..300];
        var previous = AuditChain.Link(AuditChain.Genesis, canonical, AuditChain.Sha256);
        Row("audit link (SHA-256 | SM3)", () => AuditChain.Link(previous, canonical, AuditChain.Sha256), () => AuditChain.Link(previous, canonical, AuditChain.Sm3));

        var privacy = PrivacyOptions.Development();
        var v2 = new PersonalDataProtector(privacy, CryptoOptions.International());
        var v3 = new PersonalDataProtector(privacy, CryptoOptions.Sm());
        var person = new ApplicantDetails("龙秀英", "520102198605142015", "13985017342");
        var (r2, r3) = (v2.Record(person), v3.Record(person));
        Row("seal personal data (v2 | v3)", () => v2.Reseal(r2), () => v3.Reseal(r3));
        Row("open personal data (v2 | v3)", () => v2.Open(r2), () => v3.Open(r3));
        Row("keyed hash (HMAC-SHA256 | HMAC-SM3)", () => v2.Hash.OfResidentId(person.IdNumber), () => v3.Hash.OfResidentId(person.IdNumber));
        Row("look-up candidates (one | both)", () => v2.Hash.ResidentIdCandidates(person.IdNumber), () => v3.Hash.ResidentIdCandidates(person.IdNumber));

        // Rating tokens (评价码) and sealed private seal keys, the other two places issue 21 moved to SM.
        var (tokens2, tokens3) = (RatingTokens.Create(new RatingOptions(), privacy, CryptoOptions.International()), RatingTokens.Create(new RatingOptions(), privacy, CryptoOptions.Sm()));
        var day = new DateOnly(2026, 11, 27);
        Row("rating token issue (HMAC-SHA256 | SM3)", () => tokens2.Issue("520102-H001", day, "A012"), () => tokens3.Issue("520102-H001", day, "A012"));
        var (kek2, kek3) = (SealKeyCipher.From(new SealOptions(), privacy, CryptoOptions.International()), SealKeyCipher.From(new SealOptions(), privacy, CryptoOptions.Sm()));
        var (_, sealPrivate) = SealSignatures.NewKeyPair(SealAlgorithms.Sm2Sm3);
        var (sealed2, sealed3) = (kek2.Seal("rsj/520102/1", sealPrivate), kek3.Seal("rsj/520102/1", sealPrivate));
        Row("open seal key (AES-GCM | SM4-GCM)", () => kek2.Open("rsj/520102/1", sealed2), () => kek3.Open("rsj/520102/1", sealed3));
        foreach (var (signer, _, _) in signers.Values)
        {
            signer.Dispose();
        }
    }

    private static void Row(string name, Action international, Action sm)
    {
        var (a, b) = (Rate(international), Rate(sm));
        Console.WriteLine($"{name,-34} {a,12:N0}/s {b,12:N0}/s {b / a,10:0.00}");
    }

    /// <summary>Calls per second over about half a second, after a warm-up.</summary>
    private static double Rate(Action action)
    {
        for (var i = 0; i < 200; i++)
        {
            action();
        }

        var n = 0;
        var t0 = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(t0).TotalMilliseconds < 500)
        {
            for (var i = 0; i < 50; i++)
            {
                action();
            }

            n += 50;
        }

        return n / Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
