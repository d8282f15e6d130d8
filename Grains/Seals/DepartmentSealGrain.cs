using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Common;
using TongBan.Grains.Crypto;

namespace TongBan.Grains.Seals;

/// <summary>A seal key's public half and life (the private half never leaves the grain unsealed).</summary>
/// <param name="KeyId"><c>{departmentCode}/{regionCode}/{n}</c>.</param>
/// <param name="PublicKey">SubjectPublicKeyInfo (DER).</param>
/// <param name="RetiredAt">When a rotation replaced it; it still verifies what it signed.</param>
[GenerateSerializer, Immutable]
public sealed record SealPublicKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] byte[] PublicKey,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset? RetiredAt,
    [property: Id(4)] string Algorithm = SealAlgorithms.Es256);

[GenerateSerializer, Immutable]
public sealed record SealSignature(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string SignatureBase64,
    [property: Id(2)] string Algorithm = SealAlgorithms.Es256);

/// <summary>
/// A department's electronic seal (电子印章) in one region, keyed <c>{departmentCode}/{regionCode}</c>:
/// generates its key on first use (SM2 under the <c>sm</c> suite, ECDSA P-256 under <c>international</c>), keeps it sealed at rest (<see cref="SealKeyCipher"/>),
/// rotates on request and keeps every retired public key so old documents still verify.
/// Non-reentrant: signing and rotation never interleave, so a document is signed by the key current
/// at that moment. When the configured suite changes, the next signature starts a key of the new algorithm
/// (the old one is retired like a rotation).
/// </summary>
public interface IDepartmentSealGrain : IGrainWithStringKey
{
    /// <summary>Signs a payload (UTF-8) with the current key, creating the first key if needed.</summary>
    Task<SealSignature> Sign(string payload);

    /// <summary>The key id that <see cref="Sign"/> would use next (creating the first key if needed).</summary>
    Task<string> CurrentKeyId();

    /// <summary>The public key (id, algorithm) that <see cref="Sign"/> would use next (creating it if needed).</summary>
    Task<SealPublicKey> CurrentKey();

    /// <summary>Starts a new key; the old one is retired but kept for verification. Returns the new key id.</summary>
    Task<string> Rotate();

    /// <summary>A public key by its number (the last part of the key id), or null; never creates keys.</summary>
    [AlwaysInterleave]
    Task<SealPublicKey?> PublicKey(int number);

    [AlwaysInterleave]
    Task<IReadOnlyList<SealPublicKey>> PublicKeys();
}

[GenerateSerializer]
public sealed class SealKeyEntry
{
    [Id(0)]
    public int Number { get; set; }

    [Id(1)]
    public byte[] PublicKey { get; set; } = [];

    /// <summary>AES-GCM sealed PKCS#8 private key, bound to the key id.</summary>
    [Id(2)]
    public byte[] SealedPrivateKey { get; set; } = [];

    [Id(3)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(4)]
    public DateTimeOffset? RetiredAt { get; set; }

    /// <summary><see cref="SealAlgorithms"/>; null for keys stored before algorithm agility (ES256).</summary>
    [Id(5)]
    public string? Algorithm { get; set; }
}

[GenerateSerializer]
public sealed class DepartmentSealState
{
    [Id(0)]
    public List<SealKeyEntry> Keys { get; set; } = [];
}

public sealed partial class DepartmentSealGrain(
    [PersistentState("departmentseal", StorageNames.Default)] IPersistentState<DepartmentSealState> state,
    SealKeyCipher cipher,
    CryptoOptions crypto,
    TimeProvider clock,
    ILogger<DepartmentSealGrain> logger) : Grain, IDepartmentSealGrain
{
    // The opened current key, for this activation only (never persisted or logged in the clear).
    private (int Number, ISealSigner Key)? open;

    private string Wanted => SealAlgorithms.For(crypto.Parsed());

    public async Task<SealSignature> Sign(string payload)
    {
        var (number, key) = await Current();
        return new SealSignature(KeyId(number), Convert.ToBase64String(key.Sign(Encoding.UTF8.GetBytes(payload))), key.Algorithm);
    }

    public async Task<string> CurrentKeyId() => KeyId((await Current()).Number);

    public async Task<SealPublicKey> CurrentKey()
    {
        var number = (await Current()).Number;
        return Public(state.State.Keys.First(k => k.Number == number));
    }

    public async Task<string> Rotate()
    {
        var now = clock.GetUtcNow();
        foreach (var k in state.State.Keys.Where(k => k.RetiredAt is null))
        {
            k.RetiredAt = now;
        }

        var entry = NewKey(state.State.Keys.Count + 1, now);
        state.State.Keys.Add(entry);
        await state.WriteStateAsync();
        Forget();
        LogRotated(logger, KeyId(entry.Number));
        return KeyId(entry.Number);
    }

    public Task<SealPublicKey?> PublicKey(int number) =>
        Task.FromResult(state.State.Keys.FirstOrDefault(k => k.Number == number) is { } k ? Public(k) : null);

    public Task<IReadOnlyList<SealPublicKey>> PublicKeys() =>
        Task.FromResult<IReadOnlyList<SealPublicKey>>([.. state.State.Keys.Select(Public)]);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Forget();
        return Task.CompletedTask;
    }

    private async Task<(int Number, ISealSigner Key)> Current()
    {
        var entry = state.State.Keys.LastOrDefault(k => k.RetiredAt is null);
        if (entry is not null && SealAlgorithms.OrLegacy(entry.Algorithm) != Wanted)
        {
            // The suite changed (e.g. ES256 → SM2): retire the old key, it keeps verifying what it signed.
            entry.RetiredAt = clock.GetUtcNow();
            LogSuiteChanged(logger, KeyId(entry.Number), SealAlgorithms.OrLegacy(entry.Algorithm), Wanted);
            entry = null;
        }

        if (entry is null)
        {
            entry = NewKey(state.State.Keys.Count + 1, clock.GetUtcNow());
            state.State.Keys.Add(entry);
            await state.WriteStateAsync();
            LogCreated(logger, KeyId(entry.Number));
        }

        if (open is { } o && o.Number == entry.Number)
        {
            return o;
        }

        Forget();
        var pkcs8 = cipher.Open(KeyId(entry.Number), entry.SealedPrivateKey);
        try
        {
            open = (entry.Number, SealSignatures.Open(SealAlgorithms.OrLegacy(entry.Algorithm), pkcs8));
            return open.Value;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private SealKeyEntry NewKey(int number, DateTimeOffset now)
    {
        var algorithm = Wanted;
        var (publicKey, privateKey) = SealSignatures.NewKeyPair(algorithm);
        try
        {
            return new SealKeyEntry { Number = number, PublicKey = publicKey, SealedPrivateKey = cipher.Seal(KeyId(number), privateKey), CreatedAt = now, Algorithm = algorithm };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    private void Forget()
    {
        open?.Key.Dispose();
        open = null;
    }

    private SealPublicKey Public(SealKeyEntry k) => new(KeyId(k.Number), k.PublicKey, k.CreatedAt, k.RetiredAt, SealAlgorithms.OrLegacy(k.Algorithm));

    private string KeyId(int number) => this.GetPrimaryKeyString() + "/" + number.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seal key {KeyId} created")]
    private static partial void LogCreated(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seal key {KeyId} ({Old}) retired: the crypto suite now signs with {New}; it keeps verifying what it signed")]
    private static partial void LogSuiteChanged(ILogger logger, string keyId, string old, string @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seal rotated: new key {KeyId}; previous keys retired, kept for verification")]
    private static partial void LogRotated(ILogger logger, string keyId);
}
