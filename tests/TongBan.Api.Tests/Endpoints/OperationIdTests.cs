using TongBan.Api.OpenApi;

namespace TongBan.Api.Tests.Endpoints;

/// <summary>The documented rule for operation ids (README, "The OpenAPI document for client generators").</summary>
[Trait("Category", "Unit")]
public sealed class OperationIdTests
{
    [Theory]
    [InlineData("GET", "/api/halls/{hallCode}", "GetHall")]
    [InlineData("GET", "/api/halls", "GetHalls")]
    [InlineData("POST", "/api/halls/{hallCode}/tickets", "PostHallTickets")]
    [InlineData("POST", "/api/halls/{hallCode}/windows/{windowNo:int}/call-next", "PostHallWindowCallNext")]
    [InlineData("PUT", "/api/halls/{hallCode}/hours/exceptions/{date}", "PutHallHoursException")]
    [InlineData("GET", "/api/cases/{caseNo}/audit/verify", "GetCaseAuditVerify")]
    [InlineData("GET", "/api/seals/{departmentCode}/{regionCode}/keys", "GetSealKeys")]
    [InlineData("GET", "/api/catalogue/batches/{number}", "GetCatalogueBatch")]
    [InlineData("GET", "/api/cases/{caseNo}", "GetCase")]
    [InlineData("PUT", "/api/halls/{hallCode}/windows/{windowNo}/categories", "PutHallWindowCategories")]
    public void Operation_ids_are_the_verb_and_the_path_in_pascal_case(string method, string path, string expected) =>
        Assert.Equal(expected, OperationIds.Derive(method, path));
}
