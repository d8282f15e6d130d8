using TongBan.Grains.Cases;
using static TongBan.Grains.Cases.CaseAction;
using static TongBan.Grains.Cases.CaseStatus;
using static TongBan.Grains.Tests.Cases.CaseFixture;

namespace TongBan.Grains.Tests.Cases;

[Trait("Category", "Integration")]
public class CaseTransitionTableTests
{
    /// <summary>The 操作规程 as written in CASE_RULES.md: status → (action → target). Everything else is a 409.</summary>
    private static readonly Dictionary<CaseStatus, Dictionary<CaseAction, CaseStatus>> Expected = new()
    {
        [Submitted] = new() { [Receive] = Received, [Withdraw] = Withdrawn },
        [Received] = new() { [Accept] = Accepted, [Reject] = NotAccepted, [NotifyMissing] = OneTimeNotice, [Withdraw] = Withdrawn },
        [OneTimeNotice] = new() { [Receive] = Received, [Reject] = NotAccepted, [Withdraw] = Withdrawn },
        [Accepted] = new() { [StartReview] = UnderReview, [Suspend] = Suspended, [Withdraw] = Withdrawn },
        [UnderReview] = new() { [Approve] = Approved, [Deny] = Denied, [Suspend] = Suspended, [Withdraw] = Withdrawn },
        [Suspended] = new() { [Resume] = UnderReview, [Withdraw] = Withdrawn },
        [Approved] = new() { [Complete] = Completed },
        [Denied] = new() { [Complete] = Completed },
        [Completed] = new() { [Deliver] = Delivered },
        [NotAccepted] = [],
        [Delivered] = [],
        [Withdrawn] = [],
    };

    public static TheoryData<CaseStatus, CaseAction> EveryStatusAndAction()
    {
        var data = new TheoryData<CaseStatus, CaseAction>();
        foreach (var status in Enum.GetValues<CaseStatus>())
        {
            foreach (var action in Enum.GetValues<CaseAction>())
            {
                data.Add(status, action);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStatusAndAction))]
    public void Each_status_and_action_is_allowed_or_refused_with_the_allowed_list(CaseStatus status, CaseAction action)
    {
        var state = At(status);
        Assert.Equal(status, state.Status);
        var result = Machine.Apply(state, Command(action, state), T0.AddHours(1));

        if (Expected[status].TryGetValue(action, out var target))
        {
            Assert.True(result.Succeeded, result.Failure?.Message);
            Assert.Equal(target, result.State!.Status);
            Assert.Equal(state.Version + 1, result.State.Version);
            Assert.Equal(T0.AddHours(1), result.State.UpdatedAt);
            var entry = result.Entry!;
            Assert.Equal((action, status, target, result.State.Version), (entry.Action!.Value, entry.From!.Value, entry.To, entry.Version));
        }
        else
        {
            Assert.False(result.Succeeded);
            Assert.Equal(CaseFailureKind.ActionNotAllowed, result.Failure!.Kind);
            Assert.Equal(Expected[status].Keys.Order(), result.Failure.AllowedActions.Order());
            Assert.Equal(status, result.Failure.Status);
            Assert.Equal(state.Version, result.Failure.CurrentVersion);
            Assert.Contains(CaseNames.Chinese(status), result.Failure.Message);
        }
    }

    [Fact]
    public void AllowedActions_by_status_matches_the_table()
    {
        foreach (var status in Enum.GetValues<CaseStatus>())
        {
            Assert.Equal(Expected[status].Keys.Order(), CaseStateMachine.AllowedActions(status).Order());
        }
    }

    [Fact]
    public void Terminal_states_are_final()
    {
        Assert.All(new[] { NotAccepted, Delivered, Withdrawn }, s => Assert.True(At(s).IsFinal));
        Assert.All(Enum.GetValues<CaseStatus>().Except([NotAccepted, Delivered, Withdrawn]), s => Assert.False(At(s).IsFinal));
    }

    [Fact]
    public void Resume_returns_to_the_status_the_case_was_suspended_from()
    {
        var fromAccepted = Do(At(Accepted), Suspend);
        Assert.Equal(Accepted, fromAccepted.ResumeTo);
        var back = Do(fromAccepted, Resume);
        Assert.Equal(Accepted, back.Status);
        Assert.Null(back.ResumeTo);

        var fromReview = At(Suspended);
        Assert.Equal(UnderReview, fromReview.ResumeTo);
        Assert.Equal(UnderReview, Do(fromReview, Resume).Status);
    }

    [Fact]
    public void Versions_count_every_step_of_a_full_life_cycle()
    {
        var delivered = At(Delivered);
        // submit 1, receive 2, accept 3, startReview 4, approve 5, complete 6, deliver 7
        Assert.Equal(7, delivered.Version);
        Assert.Equal(DeliveryMethod.Pickup, delivered.Delivery!.Method);
        Assert.Equal(Hall, delivered.Delivery.HallCode);
        Assert.True(delivered.Decision!.Approved);
        Assert.NotNull(delivered.CompletedAt);
    }
}

[Trait("Category", "Integration")]
public class CaseGuardTests
{
    public static TheoryData<CaseAction, CaseStatus> EveryActionWhereAllowed()
    {
        var data = new TheoryData<CaseAction, CaseStatus>();
        foreach (var action in Enum.GetValues<CaseAction>())
        {
            data.Add(action, Enum.GetValues<CaseStatus>().First(s => CaseStateMachine.AllowedActions(s).Contains(action)));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryActionWhereAllowed))]
    public void Only_the_role_of_the_action_may_perform_it(CaseAction action, CaseStatus status)
    {
        var state = At(status);
        var good = Command(action, state);
        foreach (var role in Enum.GetValues<CaseRole>().Where(r => r != CaseStateMachine.RoleFor(action)))
        {
            var failure = Refused(state, good with { Actor = good.Actor with { Role = role } });
            Assert.Equal(CaseFailureKind.Forbidden, failure.Kind);
            Assert.Contains(CaseNames.Of(CaseStateMachine.RoleFor(action)), failure.Message);
        }
    }

    [Fact]
    public void Allowed_actions_can_be_narrowed_to_a_role()
    {
        var state = At(UnderReview);
        Assert.Equal([Approve, Deny, Suspend], CaseStateMachine.AllowedActionsFor(state, CaseRole.Approver));
        Assert.Equal([Withdraw], CaseStateMachine.AllowedActionsFor(state, CaseRole.Citizen));
        Assert.Empty(CaseStateMachine.AllowedActionsFor(state, CaseRole.Clerk));
    }

    [Fact]
    public void Roles_per_action_are_as_documented_and_admin_has_none()
    {
        Assert.Equal([Receive, Accept, Reject, NotifyMissing, Deliver], CaseStateMachine.ActionsOf(CaseRole.Clerk));
        Assert.Equal([StartReview, Approve, Deny, Complete, Suspend, Resume], CaseStateMachine.ActionsOf(CaseRole.Approver));
        Assert.Equal([Withdraw], CaseStateMachine.ActionsOf(CaseRole.Citizen));
        foreach (var role in new[] { CaseRole.Admin, CaseRole.HallManager, CaseRole.HotlineAgent, CaseRole.Supervisor })
        {
            Assert.Empty(CaseStateMachine.ActionsOf(role));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(100)]
    public void A_stale_or_future_version_is_a_conflict_distinct_from_not_allowed(int offset)
    {
        var state = At(Received);
        var failure = Refused(state, Command(Accept, state) with { ExpectedVersion = state.Version + offset });
        Assert.Equal(CaseFailureKind.VersionConflict, failure.Kind);
        Assert.Equal(state.Version, failure.CurrentVersion);
        Assert.Equal([Accept, Reject, NotifyMissing, Withdraw], failure.AllowedActions);
    }

    [Fact]
    public void Version_is_checked_before_anything_else()
    {
        var state = At(Delivered);
        var failure = Refused(state, new CaseCommand(Approve, state.Version - 1, Citizen));
        Assert.Equal(CaseFailureKind.VersionConflict, failure.Kind);
    }

    [Theory]
    [InlineData(Reject, Received)]
    [InlineData(Deny, UnderReview)]
    [InlineData(Suspend, UnderReview)]
    public void Reject_deny_and_suspend_need_a_reason(CaseAction action, CaseStatus status)
    {
        var state = At(status);
        foreach (var reason in new[] { null, "", "   " })
        {
            var failure = Refused(state, Command(action, state) with { Reason = reason });
            Assert.Equal(CaseFailureKind.InvalidCommand, failure.Kind);
            Assert.Contains("理由", failure.Message);
        }
    }

    [Fact]
    public void Overlong_text_is_refused()
    {
        var state = At(Received);
        var failure = Refused(state, Command(Reject, state) with { Reason = new string('理', CaseStateMachine.MaxTextLength + 1) });
        Assert.Equal(CaseFailureKind.InvalidCommand, failure.Kind);
        Assert.Equal(CaseFailureKind.InvalidCommand, Refused(state, Command(Accept, state) with { Comment = new string('a', 5000) }).Kind);
    }

    [Fact]
    public void Deliver_needs_a_method_and_EMS_needs_a_tracking_number()
    {
        var state = At(Completed);
        var none = Refused(state, Command(Deliver, state) with { DeliveryMethod = null });
        Assert.Equal(CaseFailureKind.InvalidCommand, none.Kind);

        foreach (var tracking in new string?[] { null, "", "12345", "EA12345678CN", "ABCDEFGHIJKLM" })
        {
            var failure = Refused(state, Command(Deliver, state) with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = tracking });
            Assert.Equal(CaseFailureKind.InvalidCommand, failure.Kind);
            Assert.Contains("EMS", failure.Message);
        }

        Assert.Equal(CaseFailureKind.InvalidCommand, Refused(state, Command(Deliver, state) with { TrackingNumber = "1100000000000" }).Kind);

        var byPost = Do(state, Deliver, c => c with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = "ea 123456789 cn" });
        Assert.Equal(new CaseDelivery(DeliveryMethod.Ems, "EA123456789CN", Hall, T0), byPost.Delivery);
        Assert.Equal("1151234567890", Do(state, Deliver, c => c with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = "1151234567890" }).Delivery!.TrackingNumber);
        Assert.Equal(DeliveryMethod.Electronic, Do(state, Deliver, c => c with { DeliveryMethod = DeliveryMethod.Electronic }).Delivery!.Method);
    }

    [Fact]
    public void Clerks_act_only_at_the_receiving_hall()
    {
        var state = At(Received);
        var elsewhere = Clerk with { HallCode = OtherHall, RegionCode = "520302" };
        Assert.Equal(CaseFailureKind.Forbidden, Refused(state, Command(Accept, state) with { Actor = elsewhere }).Kind);
        Assert.Equal(CaseFailureKind.Forbidden, Refused(state, Command(Accept, state) with { Actor = Clerk with { HallCode = null } }).Kind);

        var completed = At(Completed);
        var failure = Refused(completed, Command(Deliver, completed) with { Actor = elsewhere });
        Assert.Equal(CaseFailureKind.Forbidden, failure.Kind);
        Assert.Contains(Hall, failure.Message);
    }

    [Fact]
    public void An_online_case_belongs_to_the_hall_of_the_clerk_who_receives_it()
    {
        var online = SubmittedCase();
        Assert.Null(online.ReceivingHallCode);
        var received = Do(online, Receive, c => c with { Actor = Clerk with { HallCode = OtherHall } });
        Assert.Equal(OtherHall, received.ReceivingHallCode);
        Assert.Equal(CaseFailureKind.Forbidden, Refused(received, Command(Accept, received)).Kind); // Clerk is at Hall, not OtherHall
    }

    [Fact]
    public void Approvers_act_only_for_the_case_department_and_region()
    {
        var state = At(Accepted);
        Assert.Equal("rsj", state.DepartmentCode);
        Assert.Equal(Region, state.RegionCode);
        Assert.Equal(CaseFailureKind.Forbidden, Refused(state, Command(StartReview, state) with { Actor = Approver with { DepartmentCode = "mz" } }).Kind);
        Assert.Equal(CaseFailureKind.Forbidden, Refused(state, Command(StartReview, state) with { Actor = Approver with { RegionCode = "520103" } }).Kind);
        Assert.Equal(CaseFailureKind.Forbidden, Refused(state, Command(StartReview, state) with { Actor = Approver with { RegionCode = null } }).Kind);
    }

    [Fact]
    public void Only_the_applicant_may_withdraw()
    {
        var state = At(UnderReview);
        var stranger = Citizen with { Id = Hasher.OfResidentId("520302198506152026") };
        var failure = Refused(state, Command(Withdraw, state) with { Actor = stranger });
        Assert.Equal(CaseFailureKind.Forbidden, failure.Kind);
        Assert.Equal(Withdrawn, Do(state, Withdraw, c => c with { Reason = null }).Status); // a reason is optional
    }

    [Fact]
    public void Failures_list_the_actions_allowed_now_for_a_409_body()
    {
        var state = At(Accepted);
        var failure = Refused(state, Command(Approve, state));
        Assert.Equal([StartReview, Suspend, Withdraw], failure.AllowedActions);
        Assert.Contains("startReview", failure.Message);
    }

    [Fact]
    public void A_state_of_another_item_is_a_wiring_error()
    {
        var other = new CaseStateMachine(Seeded.Find("mz-001")!);
        var state = At(Received);
        Assert.Throws<ArgumentException>(() => other.Apply(state, Command(Accept, state), T0));
    }
}

[Trait("Category", "Integration")]
public class OneTimeNoticeTests
{
    [Fact]
    public void Notice_then_supplements_then_accept()
    {
        var noticed = At(OneTimeNotice);
        Assert.NotNull(noticed.Notice);
        Assert.Equal(["photo"], noticed.Notice.Materials.Select(m => m.MaterialId));
        Assert.Equal(MaterialProblem.Missing, noticed.Notice.Materials[0].Problem);

        var supplemented = Do(noticed, Receive, c => c with { Materials = [new SubmittedMaterial("photo", Copies: 2)] });
        Assert.Equal(Received, supplemented.Status);
        Assert.Empty(supplemented.Gaps);
        Assert.Equal(3, supplemented.Materials.Count); // merged with what was handed in before
        Assert.Equal(Accepted, Do(supplemented, Accept).Status);
    }

    [Fact]
    public void A_second_notice_for_the_same_case_is_refused()
    {
        var supplemented = Do(At(OneTimeNotice), Receive, c => c with { Materials = [new SubmittedMaterial("photo", Copies: 1)] });
        Assert.Equal([new MaterialGap("photo", MaterialProblem.TooFewCopies)], supplemented.Gaps);

        var failure = Refused(supplemented, Command(NotifyMissing, supplemented));
        Assert.Equal(CaseFailureKind.ActionNotAllowed, failure.Kind);
        Assert.Contains("一次性告知", failure.Message);
        Assert.Equal([Accept, Reject, Withdraw], failure.AllowedActions);
        Assert.Equal([Accept, Reject, Withdraw], CaseStateMachine.AllowedActions(supplemented));
        Assert.Contains(NotifyMissing, CaseStateMachine.AllowedActions(Received)); // the table still has it

        // Still incomplete and no 容缺 for this item: the clerk's remaining choice is 不予受理.
        Assert.Equal(CaseFailureKind.RuleViolation, Refused(supplemented, Command(Accept, supplemented)).Kind);
        Assert.Equal(NotAccepted, Do(supplemented, Reject).Status);
    }

    [Fact]
    public void The_notice_must_list_every_gap_found_on_receipt()
    {
        var materials = new List<SubmittedMaterial> { new("id-card", Copies: 1, OriginalVerified: false) }; // no form, no photo, original not seen
        var received = Do(SubmittedCase(materials), Receive, c => c with { Materials = null });
        Assert.Equal(
            [new MaterialGap("application-form", MaterialProblem.Missing), new MaterialGap("id-card", MaterialProblem.OriginalNotVerified), new MaterialGap("photo", MaterialProblem.Missing)],
            received.Gaps);

        var partial = Refused(received, Command(NotifyMissing, received) with { MissingMaterials = [new MaterialGap("photo", MaterialProblem.Missing)] });
        Assert.Equal(CaseFailureKind.RuleViolation, partial.Kind);
        Assert.Contains("申领登记表", partial.Message);
        Assert.Contains("居民身份证", partial.Message);

        var full = Do(received, NotifyMissing, c => c with { MissingMaterials = received.Gaps });
        Assert.Equal(3, full.Notice!.Materials.Count);
    }

    [Fact]
    public void The_notice_may_add_defects_only_a_person_can_see()
    {
        var received = At(Received);
        Assert.Empty(received.Gaps);
        var noticed = Do(received, NotifyMissing, c => c with { MissingMaterials = [new MaterialGap("photo", MaterialProblem.Defective, "照片背景不是白色")] });
        Assert.Equal("照片背景不是白色", noticed.Notice!.Materials[0].Note);
    }

    [Fact]
    public void The_notice_needs_at_least_one_material_all_from_the_item_and_none_twice()
    {
        var received = At(Received);
        foreach (var list in new IReadOnlyList<MaterialGap>?[]
        {
            null,
            [],
            [new MaterialGap("marriage-certificate", MaterialProblem.Missing)],
            [new MaterialGap("photo", MaterialProblem.Missing), new MaterialGap("photo", MaterialProblem.Defective)],
        })
        {
            Assert.Equal(CaseFailureKind.InvalidCommand, Refused(received, Command(NotifyMissing, received) with { MissingMaterials = list }).Kind);
        }
    }

    [Fact]
    public void The_timeline_entry_carries_the_notice()
    {
        var received = Do(SubmittedCase(NoPhoto), Receive, c => c with { Materials = null });
        var result = Machine.Apply(received, Command(NotifyMissing, received), T0);
        Assert.Equal(["photo"], result.Entry!.Materials.Select(m => m.MaterialId));
    }
}

[Trait("Category", "Integration")]
public class CaseMaterialTests
{
    [Fact]
    public void An_e_licence_of_the_accepted_type_satisfies_a_material()
    {
        Assert.Empty(Machine.CheckMaterials(AllMaterials));
        var paper = Machine.CheckMaterials([.. NoPhoto.Where(m => m.MaterialId != "id-card"), new SubmittedMaterial("id-card", 1, OriginalVerified: true), new SubmittedMaterial("photo", 2)]);
        Assert.Empty(paper);
    }

    [Fact]
    public void Gaps_name_the_first_problem_of_each_material_in_the_item_order()
    {
        var gaps = Machine.CheckMaterials([new SubmittedMaterial("photo", 1), new SubmittedMaterial("id-card", 0, OriginalVerified: true)]);
        Assert.Equal(
            [new MaterialGap("application-form", MaterialProblem.Missing), new MaterialGap("id-card", MaterialProblem.TooFewCopies), new MaterialGap("photo", MaterialProblem.TooFewCopies)],
            gaps);
    }

    [Fact]
    public void Wrong_e_licence_types_unknown_materials_and_duplicates_are_refused_on_receipt()
    {
        var state = At(Submitted);
        foreach (var bad in new IReadOnlyList<SubmittedMaterial>[]
        {
            [new("id-card", ELicence: new ELicenceCitation(Grains.Catalogue.ELicenceType.Passport, "P-1"))],
            [new("photo", ELicence: new ELicenceCitation(Grains.Catalogue.ELicenceType.ResidentIdCard, "EL-1"))],
            [new("id-card", ELicence: new ELicenceCitation(Grains.Catalogue.ELicenceType.ResidentIdCard, " "))],
            [new("business-licence", Copies: 1)],
            [new("photo", Copies: 2), new("photo", Copies: 1)],
            [new("photo", Copies: -1)],
        })
        {
            Assert.Equal(CaseFailureKind.InvalidCommand, Refused(state, Command(Receive, state) with { Materials = bad }).Kind);
        }
    }

    [Fact]
    public void Incomplete_materials_block_acceptance_without_a_deferral()
    {
        var received = Do(SubmittedCase(NoPhoto), Receive, c => c with { Materials = null });
        var failure = Refused(received, Command(Accept, received));
        Assert.Equal(CaseFailureKind.RuleViolation, failure.Kind);
        Assert.Contains("照片", failure.Message);

        var notAllowed = Refused(received, Command(Accept, received) with { DeferredMaterialsPromised = true });
        Assert.Equal(CaseFailureKind.RuleViolation, notAllowed.Kind);
        Assert.Contains("容缺", notAllowed.Message);
    }

    [Fact]
    public void Deferred_acceptance_records_what_is_owed_where_the_item_allows_it()
    {
        var item = Seeded.Find("scjg-003")!; // 食品经营许可 allows 容缺受理
        Assert.True(item.AllowsDeferredMaterials);
        var machine = new CaseStateMachine(item);
        var scjg = new CaseActor("approver-9", CaseRole.Approver, null, null, null, "scjg", Region);
        var materials = new List<SubmittedMaterial>
        {
            new("application-form", 1),
            new("business-licence", ELicence: new ELicenceCitation(Grains.Catalogue.ELicenceType.BusinessLicence, "91520102MA6DXXXX1A")),
            new("id-card", 1, OriginalVerified: true),
            new("floor-plan", 1),
        };
        var submitted = machine.Submit(Submission(materials) with { RegionCode = Region }, T0).State!;
        Assert.Contains(new MaterialGap("id-card", MaterialProblem.OriginalNotVerified), submitted.Gaps); // online: nobody has seen the original yet
        var received = Do(submitted, Receive, c => c with { Materials = [new SubmittedMaterial("id-card", 1, OriginalVerified: true)] }, machine: machine);
        Assert.Equal([new MaterialGap("safety-rules", MaterialProblem.Missing)], received.Gaps);

        var accepted = Do(received, Accept, c => c with { DeferredMaterialsPromised = true }, machine: machine);
        Assert.Equal(Accepted, accepted.Status);
        Assert.Equal(received.Gaps, accepted.DeferredMaterials);
        Assert.Equal(10, accepted.LimitWorkingDays);
        Assert.Equal(UnderReview, Do(accepted, StartReview, c => c with { Actor = scjg }, machine: machine).Status);
    }
}
