/** Server URL without a database; tests create and drop `mpstack_t_<random>` databases. */
export const MYSQL_ADMIN_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';
