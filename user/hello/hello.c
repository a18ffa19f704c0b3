/* The first user program: the C library works (stdio, the heap, stdlib). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	printf("hello from %s: %d argument%s\n", argc > 0 ? argv[0] : "?", argc,
	       argc == 1 ? "" : "s");

	static const char *const numbers[] = {"3.5", "-1.25", "2e3", "0.125", "42"};
	const size_t n = sizeof(numbers) / sizeof(numbers[0]);
	double *values = malloc(n * sizeof(*values));
	if (!values) {
		fprintf(stderr, "hello: malloc failed\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		values[i] = strtod(numbers[i], NULL);
	qsort(values, n, sizeof(*values), compare_doubles);

	printf("sorted:");
	for (size_t i = 0; i < n; i++)
		printf(" %g", values[i]);
	printf("\n");
	free(values);

	char *big = malloc(1 << 20); /* more than one page: the heap grows */
	if (!big) {
		fprintf(stderr, "hello: 1 MiB malloc failed\n");
		return 1;
	}
	memset(big, 'x', 1 << 20);
	printf("hello: 1 MiB at %p, long long %lld\n", (void *)big, 1ll << 40);
	free(big);
	return 0;
}
