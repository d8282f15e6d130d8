using System.Text.Json;
using System.Text.Json.Serialization;
using TongBan.Grains.Common;

namespace TongBan.Api.Endpoints;

/// <summary>
/// Writes every timestamp in the province's local time (+08:00), as the contract promises, whatever offset the value
/// was made with (a grain reading <c>TimeProvider.GetUtcNow()</c> holds +00:00). Reading accepts any offset.
/// </summary>
public sealed class ChinaTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToOffset(ChinaTime.Offset));
}
