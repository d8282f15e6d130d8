namespace TongBan.Grains.Authorisation;

/// <summary>
/// The four rights of 授权信任 (黔府发〔2020〕4号, task 9) that a hall or a department grants to the window staff of
/// another hall or region. Wire names are the camelCase member names (<c>receiveAccept</c>); see <see cref="GrantRights"/>.
/// </summary>
public enum GrantRight
{
    /// <summary>收件受理权: receive the materials of a case and accept or refuse it (收件、受理、不予受理). Receive and accept.</summary>
    ReceiveAccept,

    /// <summary>一次性告知权: tell the applicant, once, everything missing or defective. One-time notice.</summary>
    OneTimeNotice,

    /// <summary>原件核验权: vouch that an original was checked against its copy. Verify originals.</summary>
    VerifyOriginals,

    /// <summary>审批结果送达权: hand over, post or issue the result of the decision. Deliver results.</summary>
    DeliverResults,
}

/// <summary>Wire names, Chinese names and strict parsing of <see cref="GrantRight"/>.</summary>
public static class GrantRights
{
    public static string Of(GrantRight right) => right switch
    {
        GrantRight.ReceiveAccept => "receiveAccept",
        GrantRight.OneTimeNotice => "oneTimeNotice",
        GrantRight.VerifyOriginals => "verifyOriginals",
        GrantRight.DeliverResults => "deliverResults",
        _ => throw new ArgumentOutOfRangeException(nameof(right)),
    };

    public static string Chinese(GrantRight right) => right switch
    {
        GrantRight.ReceiveAccept => "收件受理权",
        GrantRight.OneTimeNotice => "一次性告知权",
        GrantRight.VerifyOriginals => "原件核验权",
        GrantRight.DeliverResults => "审批结果送达权",
        _ => throw new ArgumentOutOfRangeException(nameof(right)),
    };

    /// <summary>How a refusal names the right: <c>收件受理权 (receiveAccept)</c>.</summary>
    public static string Describe(GrantRight right) => $"{Chinese(right)} ({Of(right)})";

    /// <summary>Exact wire name only ("receiveAccept"); "1" or "ReceiveAccept" are refused.</summary>
    public static bool TryParse(string? text, out GrantRight right)
    {
        foreach (var candidate in Enum.GetValues<GrantRight>())
        {
            if (string.Equals(Of(candidate), text, StringComparison.Ordinal))
            {
                right = candidate;
                return true;
            }
        }

        right = default;
        return false;
    }
}
