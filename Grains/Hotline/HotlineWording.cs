using System.Globalization;
using TongBan.Grains.Cases;

namespace TongBan.Grains.Hotline;

/// <summary>Delivery tracking as the hotline tells it: whether the result is out, how, and where to follow it.</summary>
/// <param name="Status"><c>notReady</c> (not yet 办结), <c>ready</c> (办结, waiting to be handed over), <c>delivered</c>, <c>none</c> (finished without a result: 不予受理, 撤回).</param>
[GenerateSerializer, Immutable]
public sealed record DeliveryTracking(
    [property: Id(0)] string Status,
    [property: Id(1)] string? Method,
    [property: Id(2)] string? TrackingNumber,
    [property: Id(3)] string? HallCode,
    [property: Id(4)] DateTimeOffset? At,
    [property: Id(5)] string Text);

/// <summary>
/// Plain words for a case's current step (当前环节) and its delivery, for a 12345 agent to read out.
/// Pure, so the sentences are tested and the same on every silo.
/// </summary>
public static class HotlineWording
{
    /// <summary>The current step in words; <paramref name="department"/> is e.g. "南明区人力资源和社会保障局".</summary>
    public static string Stage(CaseState state, string department)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.CrossProvince is { Direction: CrossProvinceDirection.Outbound } link)
        {
            return PartnerStage(state, link, department);
        }

        return state.Status switch
        {
            CaseStatus.Submitted => state.ReceivingHallCode is null ? "已网上申请，等待窗口人员收件核对材料" : "已提交申请，等待窗口收件",
            CaseStatus.Received => "窗口已收件，正在核对材料，待受理",
            CaseStatus.OneTimeNotice => "已一次性告知需补齐的材料，等待申请人补交",
            CaseStatus.Accepted => $"已受理，等待{department}审查",
            CaseStatus.UnderReview => $"{department}审查中",
            CaseStatus.Suspended => "补正材料中，办理时限暂停计算",
            CaseStatus.Approved => $"{department}已作出准予决定，待办结",
            CaseStatus.Denied => $"{department}已作出不予批准决定，待办结",
            CaseStatus.Completed => "已办结，待送达",
            CaseStatus.Delivered => "已送达，办理完毕",
            CaseStatus.NotAccepted => "不予受理，办理结束",
            CaseStatus.Withdrawn => "申请人已撤回，办理结束",
            _ => CaseNames.Chinese(state.Status),
        };
    }

    /// <summary>跨省通办 外转: where a case forwarded to a partner province stands, as its reports tell it.</summary>
    private static string PartnerStage(CaseState state, CrossProvinceLink link, string department) => state.Status switch
    {
        CaseStatus.Submitted or CaseStatus.Received or CaseStatus.OneTimeNotice => link.AcknowledgedAt is null
            ? $"已转至{link.PartnerName}办理，正在传送材料"
            : $"已转至{link.PartnerName}办理，对方已接收，等待{department}受理",
        CaseStatus.Accepted => $"{department}已受理（跨省通办）",
        CaseStatus.UnderReview or CaseStatus.Suspended => $"{department}审查中（跨省通办）",
        CaseStatus.Completed => $"{department}已办结：{(state.Decision?.Approved == false ? "不予批准" : "准予")}，待送达",
        CaseStatus.Delivered => "已送达，办理完毕",
        CaseStatus.NotAccepted => $"{department}不予受理，办理结束",
        _ => CaseNames.Chinese(state.Status),
    };

    /// <summary>Delivery tracking; <paramref name="hallName"/> names the receiving hall when known.</summary>
    public static DeliveryTracking Delivery(CaseState state, string? hallName)
    {
        ArgumentNullException.ThrowIfNull(state);
        var hall = hallName ?? state.ReceivingHallCode ?? "收件大厅";
        if (state.Delivery is { } d)
        {
            var day = d.At.ToString("yyyy年M月d日", CultureInfo.InvariantCulture);
            var text = d.Method switch
            {
                DeliveryMethod.Ems => $"已于{day}通过EMS寄出，邮件号 {d.TrackingNumber}，可凭邮件号查询物流",
                DeliveryMethod.Pickup => $"已于{day}在{hall}领取",
                _ => $"已于{day}发放电子证照，可在“贵人服务”或“云上贵州多彩宝”证照夹查看",
            };
            return new DeliveryTracking("delivered", CaseNames.Of(d.Method), d.TrackingNumber, d.HallCode, d.At, text);
        }

        return state.Status switch
        {
            CaseStatus.Completed => new DeliveryTracking("ready", null, null, state.ReceivingHallCode, null, $"已办结，待送达：可到{hall}领取，或由窗口安排EMS邮寄"),
            CaseStatus.NotAccepted or CaseStatus.Withdrawn => new DeliveryTracking("none", null, null, null, null, "本件已结束，无办理结果需要送达"),
            _ => new DeliveryTracking("notReady", null, null, null, null, "尚未办结，暂无送达信息"),
        };
    }
}
