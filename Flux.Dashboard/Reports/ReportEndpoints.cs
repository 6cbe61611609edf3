using Flux.Dashboard.Storms;

namespace Flux.Dashboard.Reports;

/// <summary>A finished storm's report as a download: <c>/storms/{id}/report.json</c> and <c>/storms/{id}/report.md</c>.</summary>
internal static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/storms/{id}/report.json", (string id, StormWatcher storms, CancellationToken ct) =>
            DownloadAsync(id, storms, ".json", "application/json", s => s.ReportJson, ct));
        endpoints.MapGet("/storms/{id}/report.md", (string id, StormWatcher storms, CancellationToken ct) =>
            DownloadAsync(id, storms, ".md", "text/markdown; charset=utf-8", s => s.ReportMarkdown, ct));
        return endpoints;
    }

    private static async Task<IResult> DownloadAsync(string id, StormWatcher storms, string extension, string contentType,
        Func<Flux.Protocol.Control.StormStatus, string> content, CancellationToken cancellationToken)
    {
        try
        {
            var status = await storms.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (status is null) return Results.NotFound($"No storm '{id}'.");
            string body = content(status);
            if (string.IsNullOrEmpty(body)) return Results.NotFound($"Storm '{id}' has no report yet; it is written when the storm finishes.");
            return Results.File(System.Text.Encoding.UTF8.GetBytes(body), contentType, $"storm-{id}{extension}");
        }
        catch (Grpc.Core.RpcException ex)
        {
            return Results.Problem($"The swarm is unreachable: {ex.Status.Detail}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
