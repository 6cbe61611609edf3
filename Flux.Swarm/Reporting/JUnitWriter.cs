using System.Globalization;
using System.Xml.Linq;
using Flux.Protocol.Storms.Reports;

namespace Flux.Swarm.Reporting;

/// <summary>
/// Writes a storm as a JUnit test run, so a CI system shows it like tests: one test case per SLA clause (p95, p99, no
/// alert window), per delivery promise (nothing lost, duplicated or reordered, no unexpected disconnect), per fault
/// expectation (within its allowance), and one for the generator (kept its schedule; skipped when it did not, as an
/// inconclusive run says nothing either way).
/// </summary>
internal static class JUnitWriter
{
    public static XDocument ToJUnit(StormReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var cases = new List<XElement>
        {
            Case("sla", $"p95 ≤ {r.Sla.P95Ms:0.#} ms", r.LatencyMs.P95 <= r.Sla.P95Ms, $"p95 was {r.LatencyMs.P95:0.##} ms"),
            Case("sla", $"p99 ≤ {r.Sla.P99Ms:0.#} ms", r.LatencyMs.P99 <= r.Sla.P99Ms, $"p99 was {r.LatencyMs.P99:0.##} ms"),
            Case("sla", $"no breach lasting {r.Sla.WindowS:0.#} s", r.Sla.Violations.Count == 0,
                string.Join("\n", r.Sla.Violations.Select(v => v.Description))),
            Case("delivery", "nothing lost", r.Lost == 0, $"{r.Lost:N0} deliveries lost"),
            Case("delivery", "no duplicates", r.Duplicates == 0, $"{r.Duplicates:N0} duplicated deliveries"),
            Case("delivery", "in order", r.Reordered == 0, $"{r.Reordered:N0} reordered deliveries"),
            Case("delivery", "as sent", r.Corrupted == 0, $"{r.Corrupted:N0} deliveries whose from, body or ts was not what was sent"),
            Case("delivery", "no unexpected disconnects", r.UnexpectedDisconnects == 0, $"{r.UnexpectedDisconnects:N0} unexpected disconnects"),
        };
        foreach (var fault in r.Faults.Append(r.OutsideFaults))
        {
            string name = fault.Kind == "none" ? "nothing outside any fault" : $"{fault.Description}: within its allowance";
            cases.Add(Case("faults", name, fault.WithinAllowance, string.Join("\n", fault.Exceeded)));
        }
        var generator = new XElement("testcase", new XAttribute("classname", "storm.generator"), new XAttribute("name", "kept its schedule"));
        if (r.Generator.Saturated) generator.Add(new XElement("skipped", new XAttribute("message", r.Generator.Assessment)));
        cases.Add(generator);

        int failures = cases.Count(e => e.Element("failure") is not null);
        int skipped = cases.Count(e => e.Element("skipped") is not null);
        var suite = new XElement("testsuite",
            new XAttribute("name", $"storm {r.RunId} ({r.Scenario})"),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", 0),
            new XAttribute("skipped", skipped),
            new XAttribute("timestamp", r.StartedAt),
            new XAttribute("time", (r.RampS + r.DurationS).ToString("0.#", c)),
            new XElement("properties",
                Property("outcome", r.Outcome), Property("verdict", r.Verdict), Property("users", r.Users), Property("rate", r.Rate)),
            cases);
        return new XDocument(new XElement("testsuites", suite));
    }

    public static void Write(StormReport report, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        ToJUnit(report).Save(full);
    }

    private static XElement Case(string group, string name, bool passed, string failure)
    {
        var element = new XElement("testcase", new XAttribute("classname", $"storm.{group}"), new XAttribute("name", name));
        if (!passed) element.Add(new XElement("failure", new XAttribute("message", failure.Split('\n')[0]), failure));
        return element;
    }

    private static XElement Property(string name, object value) =>
        new("property", new XAttribute("name", name), new XAttribute("value", Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
}
