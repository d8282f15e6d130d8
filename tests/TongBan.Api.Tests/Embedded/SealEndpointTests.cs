using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Tests.Crypto;

namespace TongBan.Api.Tests.Embedded;

/// <summary>E-seals over HTTP: a decided case's document is signed by its department; anyone verifies; tampering and unknown keys fail.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class SealEndpointTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    /// <summary>Applicants of 云岩区 (520103): this class owns that department seal's rotation.</summary>
    private async Task<(string CaseNo, string Approver)> Decided(string first17, bool approve)
    {
        var caseNo = await cases.ApplyOnline(CaseDriver.Id(first17), "何十三", "13885001313");
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001");
        var approver = await app.TokenAsync("approver", departmentCode: CaseDriver.Item.DepartmentCode, regionCode: "520103");
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(CaseDriver.Item, verified: true) });
        await cases.Move(caseNo, clerk, 2, "accept");
        await cases.Move(caseNo, approver, 3, "startReview");
        await cases.Move(caseNo, approver, 4, approve ? "approve" : "deny", approve ? null : new { reason = "不符合申领条件" });
        return (caseNo, approver);
    }

    private async Task<JsonElement> Verify(object body) =>
        await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/seals/verify", null, body));

    [Fact]
    public async Task A_signed_decision_verifies_and_tampering_or_an_unknown_key_does_not()
    {
        var (caseNo, approver) = await Decided("52010319810203456", approve: false);
        var signed = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/decision-document", approver));
        var document = signed.GetProperty("document");
        Assert.False(document.GetProperty("approved").GetBoolean());
        Assert.Equal("不符合申领条件", document.GetProperty("reason").GetString());
        Assert.Equal("何**", document.GetProperty("applicantName").GetString());
        Assert.StartsWith("云岩区", document.GetProperty("authority").GetString(), StringComparison.Ordinal);
        Assert.Equal("SM2-SM3", signed.GetProperty("algorithm").GetString());
        Assert.Equal("SM2-SM3", document.GetProperty("algorithm").GetString());
        var signature = signed.GetProperty("signature").GetString();
        var keyId = signed.GetProperty("keyId").GetString();
        Assert.StartsWith($"{CaseDriver.Item.DepartmentCode}/520103/", keyId, StringComparison.Ordinal);

        // Issued once: asking again gives the same document.
        var again = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/decision-document", approver));
        Assert.Equal(signature, again.GetProperty("signature").GetString());

        var ok = await Verify(new { document, signature, keyId });
        Assert.True(ok.GetProperty("valid").GetBoolean(), ok.GetRawText());
        Assert.Equal(caseNo, ok.GetProperty("caseNo").GetString());

        var tampered = JsonNode.Parse(document.GetRawText())!;
        tampered["approved"] = true;
        var bad = await Verify(new { document = tampered, signature, keyId });
        Assert.False(bad.GetProperty("valid").GetBoolean());
        Assert.Contains("篡改", bad.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var otherKey = JsonNode.Parse(document.GetRawText())!;
        otherKey["keyId"] = $"{CaseDriver.Item.DepartmentCode}/520103/99";
        Assert.Contains("未知", (await Verify(new { document = otherKey, signature })).GetProperty("reason").GetString(), StringComparison.Ordinal);
        var extra = JsonNode.Parse(document.GetRawText())!;
        extra["note"] = "已批准";
        Assert.False((await Verify(new { document = extra, signature })).GetProperty("valid").GetBoolean());

        foreach (var junk in new object[] { new { document = 42, signature }, new { document, signature = "AAAA" }, new { document, signature = (string?)null }, new { document = new { keyId = "x" }, signature } })
        {
            var result = await Verify(junk);
            Assert.False(result.GetProperty("valid").GetBoolean());
            Assert.False(string.IsNullOrEmpty(result.GetProperty("reason").GetString()));
        }
    }

    [Fact]
    public async Task Rotation_keeps_old_documents_verifiable_and_signs_new_ones_with_the_new_key()
    {
        var (first, approver) = await Decided("52010319900101234", approve: true);
        var old = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{first}/decision-document", approver));
        var admin = await app.TokenAsync("admin");
        var rotated = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/admin/seals/{CaseDriver.Item.DepartmentCode}/520103/rotate", admin));
        var newKey = rotated.GetProperty("keyId").GetString();
        Assert.NotEqual(old.GetProperty("keyId").GetString(), newKey);

        Assert.True((await Verify(new { document = old.GetProperty("document"), signature = old.GetProperty("signature").GetString() })).GetProperty("valid").GetBoolean());
        var (second, _) = await Decided("52010319900101235", approve: true);
        var fresh = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{second}/decision-document", approver));
        Assert.Equal(newKey, fresh.GetProperty("keyId").GetString());
        Assert.True((await Verify(new { document = fresh.GetProperty("document"), signature = fresh.GetProperty("signature").GetString() })).GetProperty("valid").GetBoolean());

        var keys = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/seals/{CaseDriver.Item.DepartmentCode}/520103/keys", null));
        Assert.True(keys.GetArrayLength() >= 2);
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("retiredAt").ValueKind != JsonValueKind.Null);
        Assert.All(keys.EnumerateArray(), k => Assert.StartsWith("-----BEGIN PUBLIC KEY-----", k.GetProperty("publicKeyPem").GetString(), StringComparison.Ordinal));
        Assert.DoesNotContain("PRIVATE", keys.GetRawText(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await cases.Send(HttpMethod.Post, $"/api/admin/seals/{CaseDriver.Item.DepartmentCode}/520103/rotate", approver)).StatusCode);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, "/api/seals/castle/520103/keys", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Openssl_verifies_a_decision_seal_from_its_signed_payload_and_published_key()
    {
        var (caseNo, approver) = await Decided("52010319850505123", approve: true);
        var signed = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/decision-document", approver));
        var payload = Convert.FromBase64String(signed.GetProperty("signedPayload").GetString()!);
        using (var fromPayload = JsonDocument.Parse(payload))
        {
            Assert.Equal(caseNo, fromPayload.RootElement.GetProperty("caseNo").GetString());
            Assert.Equal(signed.GetProperty("document").GetRawText(), fromPayload.RootElement.GetRawText());
        }

        var keyId = signed.GetProperty("keyId").GetString();
        var keys = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/seals/{CaseDriver.Item.DepartmentCode}/520103/keys", null));
        var key = keys.EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == keyId);
        Assert.Equal("SM2-SM3", key.GetProperty("algorithm").GetString());
        var pem = key.GetProperty("publicKeyPem").GetString()!;
        var spki = new AsnReader(Convert.FromBase64String(pem[PemEncoding.Find(pem).Base64Data]), AsnEncodingRules.DER).ReadSequence().ReadSequence();
        Assert.Equal("1.2.840.10045.2.1", spki.ReadObjectIdentifier());
        Assert.Equal("1.2.156.10197.1.301", spki.ReadObjectIdentifier());

        var directory = Openssl.TempDirectory();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), pem);
            await File.WriteAllBytesAsync(Path.Combine(directory, "payload"), payload);
            await File.WriteAllBytesAsync(Path.Combine(directory, "sig.der"), Convert.FromBase64String(signed.GetProperty("signature").GetString()!));
            var (exit, output) = await Openssl.VerifySm2(directory, "key.pem", "payload", "sig.der");
            Assert.True(exit == 0, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_wrong_algorithm_or_a_broken_DER_signature_is_invalid_with_a_reason()
    {
        var (caseNo, approver) = await Decided("52010319850505124", approve: true);
        var signed = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/decision-document", approver));
        var document = signed.GetProperty("document");
        var signature = signed.GetProperty("signature").GetString()!;
        var der = Convert.FromBase64String(signature);

        var claimsEs256 = await Verify(new { document, signature, algorithm = "ES256" });
        Assert.False(claimsEs256.GetProperty("valid").GetBoolean());
        Assert.Contains("算法", claimsEs256.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var relabelled = JsonNode.Parse(document.GetRawText())!;
        relabelled["algorithm"] = "ES256";
        Assert.Contains("算法", (await Verify(new { document = relabelled, signature })).GetProperty("reason").GetString(), StringComparison.Ordinal);

        foreach (var broken in new[] { Convert.ToBase64String(der[..^3]), Convert.ToBase64String([.. der, 0]), Convert.ToBase64String(der[2..]) })
        {
            var result = await Verify(new { document, signature = broken });
            Assert.False(result.GetProperty("valid").GetBoolean());
            Assert.Contains("签名", result.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        Assert.True((await Verify(new { document, signature, algorithm = "SM2-SM3" })).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task An_undecided_case_has_no_document()
    {
        var caseNo = await cases.ApplyOnline(CaseDriver.Id("52010319900101236"), "何十四", "13885001414");
        var citizen = await app.TokenAsync("citizen", subject: CaseDriver.Id("52010319900101236"));
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/decision-document", citizen), HttpStatusCode.Conflict);
    }
}
