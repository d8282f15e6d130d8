using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Cases;

namespace TongBan.Grains.CrossProvince;

/// <summary>
/// 演示合作方: a partner province simulated inside TongBan, so 跨省通办 can be tried end to end on a fresh
/// <c>dotnet run</c> without a second system. It covers the made-up region prefix 99 (no real province), acknowledges
/// every transfer at once, then reports 受理 → 审查中 → 办结（准予）→ 已送达 on a forwarded case, and can send a case
/// to Guizhou on request (<c>POST /api/cross-province/demo/inbound</c>). On in embedded mode, off in PostgreSQL
/// mode unless <c>TongBan:Partners:Demo=true</c>. It has no inbound token: nobody can call the partner routes as it.
/// </summary>
public static class DemoPartner
{
    public const string Code = "demo";

    public const string Name = "演示合作方（演示省，非真实省份）";

    /// <summary>The made-up province prefix of its regions; <see cref="RegionCode"/> is the one it uses.</summary>
    public const string RegionPrefix = "99";

    public const string RegionCode = "990101";

    /// <summary>Marks the endpoint as in-process: <see cref="DemoPartnerGateway"/> answers for it, nothing goes on the network.</summary>
    public const string BaseUrl = "demo://in-process/";

    public static PartnerEndpoint Endpoint() => new()
    {
        Code = Code,
        Name = Name,
        BaseUrl = BaseUrl,
        RegionPrefixes = [RegionPrefix],
    };

    public static bool Is(PartnerEndpoint partner) =>
        partner is { Code: Code, BaseUrl: BaseUrl };

    /// <summary>Adds the demo partner when <paramref name="enabled"/> and no partner already uses its code.</summary>
    public static void AddTo(PartnerOptions options, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (enabled && options.Find(Code) is null)
        {
            options.List.Add(Endpoint());
        }
    }
}

/// <summary>
/// The partner gateway with the demo partner answered in process; every other partner goes to <paramref name="inner"/>
/// (HTTP). The demo's reports on a forwarded case run on the thread pool after the transfer grain's turn, through the
/// same case-grain call as a real partner's status report.
/// </summary>
public sealed partial class DemoPartnerGateway(IPartnerGateway inner, IGrainFactory grains, PartnerOptions options, ILogger<DemoPartnerGateway> logger) : IPartnerGateway
{
    private readonly ConcurrentDictionary<string, byte> reporting = new(StringComparer.Ordinal);

    public Task<PartnerSendResult> SendAsync(PartnerEndpoint partner, PartnerMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partner);
        ArgumentNullException.ThrowIfNull(message);
        if (!DemoPartner.Is(partner))
        {
            return inner.SendAsync(partner, message, cancellationToken);
        }

        var reference = "DEMO-" + message.TransferId;
        if (reporting.TryAdd(message.TransferId, 0))
        {
            _ = Task.Run(() => ReportAsync(message.TransferId, reference), CancellationToken.None);
        }

        return Task.FromResult(new PartnerSendResult(true, null, reference));
    }

    public Task<PartnerSendResult> SendStatusAsync(PartnerEndpoint partner, PartnerStatusMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partner);
        ArgumentNullException.ThrowIfNull(message);
        if (!DemoPartner.Is(partner))
        {
            return inner.SendStatusAsync(partner, message, cancellationToken);
        }

        LogStatusReceived(logger, message.CaseNo, message.Version, message.Status);
        return Task.FromResult(new PartnerSendResult(true, null, null));
    }

    /// <summary>The demo partner's department works the forwarded case: 受理, 审查中, 办结（准予）, 已送达 (electronic).</summary>
    private async Task ReportAsync(string transferId, string reference)
    {
        try
        {
            // The transfer grain records the acknowledgement (and tells the case) after this send returns.
            var transfer = grains.GetGrain<IOutboundTransferGrain>(transferId);
            string? caseNo = null;
            for (var i = 0; i < 100 && caseNo is null; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
                if (await transfer.View() is { Status: TransferStatus.Delivered } view)
                {
                    caseNo = view.Transfer.CaseNo ?? string.Empty;
                }
            }

            if (string.IsNullOrEmpty(caseNo))
            {
                return; // a free-standing transfer: no case to report on
            }

            const string Department = "演示省演示市政务服务局（演示）";
            PartnerReport[] steps =
            [
                new(DemoPartner.Code, PartnerCaseStatus.Accepted, Department: Department, Contact: "0000-12345678", PartnerReference: reference, Comment: "演示合作方自动受理"),
                new(DemoPartner.Code, PartnerCaseStatus.InReview),
                new(DemoPartner.Code, PartnerCaseStatus.Decided, Approved: true),
                new(DemoPartner.Code, PartnerCaseStatus.Delivered, DeliveryMethod: DeliveryMethod.Electronic),
            ];
            foreach (var step in steps)
            {
                await Task.Delay(options.DemoStepDelay);
                var reply = await grains.GetGrain<ICaseGrain>(caseNo).ReportFromPartner(step);
                if (!reply.Succeeded)
                {
                    LogStepRefused(logger, caseNo, step.Status.ToString(), reply.Failure?.Message);
                    return; // the case moved on its own (e.g. withdrawn): the demo stops
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFailed(logger, transferId, e.GetType().Name, e.Message);
        }
        finally
        {
            reporting.TryRemove(transferId, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo partner received status report v{Version} ({Status}) on case {CaseNo}")]
    private static partial void LogStatusReceived(ILogger logger, string caseNo, int version, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo partner stops on case {CaseNo}: {Status} refused ({Reason})")]
    private static partial void LogStepRefused(ILogger logger, string caseNo, string status, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo partner could not report on transfer {TransferId}: {Exception}: {Message}")]
    private static partial void LogFailed(ILogger logger, string transferId, string exception, string message);
}
