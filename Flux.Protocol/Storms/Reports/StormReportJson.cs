using System.Text.Json;

namespace Flux.Protocol.Storms.Reports;

/// <summary>The report's JSON form (snake_case), the same for the swarm that writes it and the tools that read it.</summary>
public static class StormReportJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static string Serialize(StormReport report) => JsonSerializer.Serialize(report, Options);

    /// <exception cref="JsonException">Not a storm report.</exception>
    public static StormReport Deserialize(string json) =>
        JsonSerializer.Deserialize<StormReport>(json, Options) ?? throw new JsonException("the file holds no report");
}
