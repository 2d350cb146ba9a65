# Regenerates mann-whitney.json, the reference vectors of CapstanAnalysis's MannWhitney, with R:
#   Rscript Tests/Fixtures/analysis/mann-whitney.R > Tests/Fixtures/analysis/mann-whitney.json
# Each case records where its data comes from and what was published for it; every number under
# "expect" is what this script's R printed (R 4.2.2 when the file was made), except "estimate":
#   w, pValue, lower, upper, achievedConfidence  wilcox.test(x, y, conf.int = TRUE, ...)$statistic, $p.value,
#                                                $conf.int and attr($conf.int, "conf.level")
#   estimate                                     median(outer(x, y, "-")), the Hodges-Lehmann estimate
#   rEstimate                                    wilcox.test(...)$estimate; equal to estimate for the exact
#                                                method, and for the normal approximation wherever uniroot
#                                                stopped (within 1e-4 of the step, or anywhere on a flat
#                                                stretch between the two middle pairwise differences)
num <- function(v) {
  if (length(v) == 0) return("[]")
  s <- sapply(v, function(a) if (is.infinite(a)) (if (a > 0) "\"Infinity\"" else "\"-Infinity\"") else sprintf("%.17g", a))
  paste0("[", paste(s, collapse = ", "), "]")
}
one <- function(a) if (is.infinite(a)) (if (a > 0) "\"Infinity\"" else "\"-Infinity\"") else sprintf("%.17g", a)
cases <- list()
add <- function(name, source, published, x, y, alternative = "two.sided", conf = 0.95, mu = 0, exact = NULL, correct = TRUE) {
  r <- suppressWarnings(wilcox.test(x, y, alternative = alternative, conf.int = TRUE, conf.level = conf, mu = mu, exact = exact, correct = correct))
  d <- sort(outer(x, y, "-"))
  m <- length(d)
  med <- median(d)
  plo <- if (m %% 2 == 0) d[m/2] else d[(m+1)/2]
  phi <- if (m %% 2 == 0) d[m/2 + 1] else d[(m+1)/2]
  method <- if (grepl("exact", r$method)) "exact" else "normal"
  ex <- if (is.null(exact)) "null" else if (exact) "true" else "false"
  s <- sprintf('{"name": "%s", "source": "%s", "published": "%s", "x": %s, "y": %s, "alternative": "%s", "confidence": %s, "mu": %s, "exact": %s, "correct": %s, "expect": {"method": "%s", "w": %s, "pValue": %s, "lower": %s, "upper": %s, "achievedConfidence": %s, "estimate": %s, "rEstimate": %s}}',
    name, source, published, num(x), num(y), alternative, one(conf), one(mu), ex, if (correct) "true" else "false",
    method, one(r$statistic), one(r$p.value), one(r$conf.int[1]), one(r$conf.int[2]), one(attr(r$conf.int, "conf.level")), one(med), one(r$estimate))
  cases[[length(cases) + 1]] <<- s
}
rdoc <- "R stats::wilcox.test help page, Examples (Hollander & Wolfe 1973, p. 69f); https://stat.ethz.ch/R-manual/R-devel/library/stats/html/wilcox.test.html"
px <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46); py <- c(1.15, 0.88, 0.90, 0.74, 1.21)
add("permeability two-sided, exact", rdoc, "W = 35, p-value = 0.2544", px, py)
add("permeability greater, exact", rdoc, "W = 35, p-value = 0.1272 (alternative = greater)", px, py, "greater")
add("permeability less, exact", rdoc, "none (computed)", px, py, "less")
add("permeability greater, normal approximation without continuity correction", rdoc, "W = 35, p-value = 0.1103 (exact = FALSE, correct = FALSE)", px, py, "greater", exact = FALSE, correct = FALSE)
add("permeability two-sided, normal approximation with continuity correction", rdoc, "none (computed)", px, py, exact = FALSE)
add("permeability two-sided, confidence 0.90, mu 0.2", rdoc, "none (computed)", px, py, conf = 0.90, mu = 0.2)
add("permeability less, normal approximation, confidence 0.99", rdoc, "none (computed)", px, py, "less", conf = 0.99, exact = FALSE)
aq <- airquality
ox <- aq$Ozone[aq$Month == 5 & !is.na(aq$Ozone)]; oy <- aq$Ozone[aq$Month == 8 & !is.na(aq$Ozone)]
add("airquality Ozone, May vs August (ties: normal approximation)", "R stats::wilcox.test help page, Examples: wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8)); data: R datasets::airquality (New York State Department of Conservation, 1973)", "W = 127.5, p-value = 0.0001208", ox, oy)
kc <- c(1.5, 6.0, 5.0, 2.5, 2.5, 2.0, 2.0, 3.5, 3.0, 3.0, 3.0, 2.0, 3.0, 8.0, 4.0, 2.5, 3.0, 2.5, 2.5, 2.0, 2.5, 2.0, 2.0, 2.5, 3.5, 3.0, 1.5, 5.0, 2.5, 5.5, 2.0, 2.5, 3.5, 2.0, 2.5, 4.0, 2.0, 2.0, 2.0, 2.0, 5.5, 4.5, 4.0, 3.0, 3.0, 3.5, 2.5, 3.0, 2.5, 4.0, 6.0, 2.0, 5.0, 6.0, 3.5, 3.0, 54.5, 3.0, 5.0, 6.0, 3.5, 4.5, 2.5, 2.0, 6.0, 5.0, 2.5, 3.5, 2.0, 3.0, 2.5, 3.5, 3.5, 2.5, 3.0, 4.5, 3.0, 15.5, 5.0, 2.5, 3.0, 4.0, 3.5, 4.0, 4.0, 2.0, 4.5, 2.5, 4.0, 3.0)
ke <- c(2.5, 2.5, 2.0, 2.5, 3.5, 2.0, 3.5, 1.5, 3.0, 3.0, 2.5, 3.5, 2.0, 2.5, 2.0, 2.0, 5.0, 3.0, 2.0, 1.5, 2.0, 4.0, 3.0, 2.5, 3.0, 2.0, 2.0, 2.0, 2.5, 3.5, 1.5, 1.5, 3.5, 2.0, 2.5, 2.5, 3.0, 3.5, 2.5, 6.5, 2.5, 4.0, 2.5, 3.0, 2.5, 6.5, 2.5, 3.0, 1.5, 2.0, 2.5, 3.0, 7.5, 1.5, 2.0, 4.0, 2.5, 2.0, 2.5, 3.5, 4.0, 2.5, 3.0, 2.5, 2.0, 3.5, 3.0, 16.5, 3.0, 3.0, 7.0, 4.5, 5.0, 2.0, 3.5, 6.0, 1.5, 3.0, 2.5, 4.0, 3.0, 1.5, 5.0, 3.0, 2.5, 5.5, 3.0, 1.5, 2.5, 6.0)
add("Kayenta tie-out with R (90 vs 90, heavy ties)", "spinnaker/kayenta kayenta-mannwhitney MannWhitneySuite, test 'Mann-Whitney Confidence Interval & Estimate: Tie out with R Version'", "R values recorded there: CI [-0.500002521696696, -3.486287505871302E-5], estimate -0.4999393907180323", ke, kc)
add("Kayenta 'returns expected values' (control 1..4, experiment 10..40)", "spinnaker/kayenta kayenta-mannwhitney MannWhitneySuite/MannWhitneyRSuite, test 'returns expected values'", "CI [6, 39], estimate 22.5", c(10, 20, 30, 40), c(1, 2, 3, 4))
gdoc <- "pipe-cd/pipecd pkg/app/piped/executor/analysis/mannwhitney/mannwhitney_test.go (from golang.org/x/perf / go-moremath), TestMannWhitneyUTest"
s1 <- c(2, 1, 3, 5); s2 <- c(12, 11, 13, 15); s3 <- c(0, 4, 6, 7)
add("PipeCD s1 vs s2, less", gdoc, "U = 0, p(less) = 0.014285714285714289", s1, s2, "less")
add("PipeCD s1 vs s2, two-sided", gdoc, "U = 0, p = 0.028571428571428577", s1, s2)
add("PipeCD s1 vs s3, greater", gdoc, "U = 5, p(greater) = 0.8285714285714285", s1, s3, "greater")
add("PipeCD s1 vs s3, two-sided", gdoc, "U = 5, p = 0.48571428571428577", s1, s3)
l1 <- seq(0, 499) * 2; l2 <- seq(0, 599) * 2 - 41; l3 <- l2; for (i in 1:30) l3[i] <- l1[i]
add("PipeCD large l1 vs l2 (500 vs 600, no ties), less", gdoc, "U = 135250, p(less) = 0.0024667680407086112", l1, l2, "less")
add("PipeCD large l1 vs l2, two-sided", gdoc, "U = 135250, p = 0.0049335360814172224", l1, l2)
add("PipeCD large l1 vs l3 (ties), greater", gdoc, "U = 134845, p(greater) = 0.9980659818257166", l1, l3, "greater")
add("one sample against 59 (CI endpoints at the extremes)", "R's own comment in wilcox.test.default: 'in extreme cases we need to return endpoints, e.g. wilcox.test(1, 2:60, conf.int=TRUE)'", "none (computed)", c(1), 2:60)
add("unachievable confidence (3 vs 3, exact)", "computed; R warns 'Requested conf.level not achievable' and reports the achieved level", "none (computed)", c(1.1, 2.3, 3.7), c(0.5, 1.9, 2.8))
add("small with ties (normal approximation under n < 50)", "computed", "none (computed)", c(1, 2, 2, 3, 4), c(2, 3, 3, 5, 6, 7))
gx <- round(10 + 3 * sin(1:49 * 1.7) + (1:49) / 40, 4); gy <- round(9 + 3 * cos(1:49 * 2.3) + (1:49) / 35, 4)
add("49 vs 49 without ties: still exact", "computed", "none (computed)", gx, gy)
hx <- round(10 + 3 * sin(1:50 * 1.7) + (1:50) / 40, 4)
add("50 vs 49 without ties: normal approximation", "computed", "none (computed)", hx, gy)
add("50 vs 49, confidence 0.98, greater", "computed", "none (computed)", hx, gy, "greater", conf = 0.98)
cat(sprintf('{\n"about": "Reference vectors for MannWhitney.test: the two-sample Wilcoxon rank-sum test, its Hodges-Lehmann estimate and confidence interval. Made by mann-whitney.R beside this file (%s); sources and published numbers per case. Infinite interval ends are the strings Infinity and -Infinity.",\n"cases": [\n', R.version.string), paste(unlist(cases), collapse = ",\n"), "\n]\n}\n")
