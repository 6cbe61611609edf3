using System.Diagnostics;
using System.Text;

namespace Flux.Testing;

/// <summary>What the test helpers that run a real part in its own process share: starting it, and waiting until it is up.</summary>
public static class ChildProcess
{
    /// <summary>Starts <paramref name="start"/> with its output and errors captured into <paramref name="output"/> (for a failing test's message).</summary>
    public static Process StartCapturing(ProcessStartInfo start, StringBuilder output, string what)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {what}");
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls <paramref name="health"/> until it answers 2xx; fails at once if the process exits, and after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilHealthyAsync(Process process, Uri health, TimeSpan timeout, Func<string> output, string what,
        CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"{what} exited with {process.ExitCode}: {output()}");
            try
            {
                var response = await http.GetAsync(health, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"{what} was not healthy within {timeout.TotalSeconds:0} s: {output()}");
    }
}
